"""hisops: a hospital IT emergency plan as automation (toolkit, CLI and lab)."""

import warnings

__version__ = "0.1.0"

# asyncssh (the lab's SSH server) still names cryptography's DSA classes at import, and
# cryptography >= 44 warns about DSA on every such use: five lines on every command that
# imports it (the lab daemon's stderr reaches `hisops lab up`'s user). The lab offers no
# DSA keys; only that warning, raised from asyncssh's modules, is silenced. Every entry
# point (`hisops`, `python -m hisops.lab.daemon`) imports this package before asyncssh.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"asyncssh(\.|$)")
