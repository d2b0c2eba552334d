"""Pure billing rules: ledgers, money splits, integral cost price, surcharge, invoices, payments."""
