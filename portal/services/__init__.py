"""Services: load models, call the domain, persist. The only layer that commits."""
