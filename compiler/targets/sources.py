"""The public sources of every parameter ID and value code the targets write. A parameter
table names its source by key; the README's reference lists the same keys. A setting no
source here publishes for a family is refused for that family, never guessed.
"""

from __future__ import annotations

_WAZO = "wazo-platform/wazo-provd-plugins"

SOURCES = {
    "gigaset-faq": "Gigaset wiki, 'FAQ N720 - IPUI' (teamwork.gigaset.com/gigawiki, page "
                   "605716698): the provisioning example of 3 SIP accounts with IPUIs, the "
                   "registration window and PIN",
    "wazo-n720-3cb9e3f0": f"{_WAZO}, plugins/wazo-gigaset/N720/templates/base_n720.tpl at "
                          "commit 3cb9e3f0122f61fabdb50a5f641ac5da4be40c63 (Gigaset's own "
                          "N720 template)",
    "wazo-n720": f"{_WAZO}, plugins/wazo_gigaset/N720/templates/base.tpl at commit "
                 "8fd80c0c9b1db318ca4df2522d6971ccf3dd2e03, with its entry.py at "
                 "f5ad7f819f95acbf24e997759343fd6a27ea40ab",
    "wazo-nx70": f"{_WAZO}, plugins/wazo_gigaset/Nx70_83_v2_65_0/templates/base.tpl and "
                 "common.py at commit be426b324f02e63d19e85b06e9580cc76cd3b86f",
    "wazo-gigaset-common": f"{_WAZO}, plugins/wazo_gigaset/common/common.py at commit "
                           "4ea526d1fc58a8bc9a0b939faf58b2c9359ee97b: _TZ_GIGASET, the N720's "
                           "time-zone index for each UTC offset",
    "xivo-gigaset-nxxx": f"{_WAZO}, plugins/xivo-gigaset/NXXX_IP_PRO/templates/base_n720.tpl "
                         "at commit 969c0afaf7dd4c4a70ebe055d3c17f45eea2f536 (a Gigaset "
                         "template for the N510 and N720): the tone selection codes of "
                         "BS_AE_SwConfig.ucCountryCodeTone and 'Other country' (0xff) of the "
                         "dialling plan",
    "gigaset-wiki-window": "Gigaset wiki, the Nx70 provisioning page on the registration "
                           "window (teamwork.gigaset.com/gigawiki, page 860586113): update_dm "
                           "with RegStart, RegDuration and DMPpasswd, open from start to "
                           "start + duration",
    "openscape-cordless-v2": "OpenScape Cordless IP V2 administration guide (a rebadged "
                             "N870)",
}
