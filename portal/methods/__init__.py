"""Payment methods: the account's saved cards and PayPal accounts, and the default one."""
