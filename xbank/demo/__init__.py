"""The demo data set behind ``make demo``: synthetic people, the seed's catalogue and figures."""
