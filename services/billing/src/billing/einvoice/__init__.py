"""E-invoices: UBL 2.1 following Peppol BIS Billing 3.0 (and the Dutch NLCIUS variant), and PDF."""
