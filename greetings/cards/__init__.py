"""The card in every parcel: what it says (service) and how it is drawn (renderer).

`renderer` is pure (plain values in, PDF bytes out: no Flask, no database); `service`
is the one place that reads the database and configuration to fill it.
"""
