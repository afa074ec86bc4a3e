"""Electronic invoices: FatturaPA for the exchange system (SdI), validated offline."""
