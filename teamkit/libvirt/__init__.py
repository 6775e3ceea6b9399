"""The libvirt layer: safe parsing, libvirt's formatting, its validation rules and messages, ids and networks."""
