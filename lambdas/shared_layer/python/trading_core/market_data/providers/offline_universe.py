"""The tickers the offline provider knows: like Yahoo, it answers for listed symbols only, so an order
for a symbol nobody lists (`NOTAREALTICKER`) is refused as `unknown ticker` locally as in the cloud.

The original system's client tickers, the bench's and a broad set of large US and international
listings, indices and futures, as Yahoo spells them.
"""

from __future__ import annotations

from typing import Final

OFFLINE_TICKERS: Final = frozenset(
    """
    ATO BAX BALL WRB BRK.A BRK.B BRK-A BRK-B COF CCL CARR CSX DIS EBAY ECL MMM ABT ACN AKAM GOOGL AXP AEP
    AON AMAT VTV PM BTI META AMD AMZN AAPL GOOG NFLX F T MO PFE COIN MRNA ORCL TSLA SOPH NVDA MSFT
    UBSG.SW CSGN.SW HOLN.SW CHSPI.SW EOG PBR PBR-A RBLX BABA SPY VTI VOO ADBE
    IBM SHOP UBER PYPL INTC PEP KO HOOD CSCO CRM QCOM TXN AVGO MU ADP INTU NOW SNOW PLTR SQ XYZ
    JPM BAC WFC C GS MS SCHW BLK V MA JNJ UNH PG HD LOW WMT COST TGT MCD SBUX NKE CVX XOM COP
    BA CAT DE GE HON LMT RTX UPS FDX LLY MRK ABBV BMY AMGN GILD TMO DHR VZ TMUS CMCSA CHTR
    NEE DUK SO D ARM ASML TSM SAP SONY TM 7203.T 6758.T NESN.SW NOVN.SW ROG.SW UBS
    QQQ IWM DIA GLD TLT ^GSPC ^DJI ^IXIC ^VIX ES=F NQ=F CL=F GC=F EURUSD=X BTC-USD ETH-USD
    """.split()  # noqa: SIM905 (a ticker list reads better as words)
)
