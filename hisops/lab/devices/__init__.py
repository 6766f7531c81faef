"""Simulated switch CLI engines: Huawei VRP, H3C Comware, Cisco IOS.

``make_device(spec)`` builds the engine for a device spec; see ``model`` for the
configuration model the data plane reads.
"""
