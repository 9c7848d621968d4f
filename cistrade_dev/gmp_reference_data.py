"""Static facts the sample generator uses beside pycountry and holidays."""

from __future__ import annotations

#: ISO 4217 minor units that differ from 2; ``None`` for codes without minor units.
MINOR_UNITS: dict[str, int | None] = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(),
                    0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
    **dict.fromkeys("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split(), None),
}

#: Currencies GMP flags inactive (testing and fund codes).
INACTIVE_CURRENCIES = frozenset("XTS XXX XBA XBB XBC XBD XSU XUA".split())

_EURO = "AD AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MC ME MT NL PT SI SK SM VA XK"
_CURRENCY_BY_COUNTRY_TEXT = f"""
EUR: {_EURO} BG GF GP MQ RE YT PM BL MF TF AX
USD: US AS EC SV GU MH FM MP PW PR TC VG VI UM TL BQ IO
GBP: GB GG JE IM    AUD: AU CX CC HM KI NR NF TV    NZD: NZ CK NU PN TK
CHF: CH LI    NOK: NO SJ BV    DKK: DK FO GL    XOF: BJ BF CI GW ML NE SN TG
XAF: CM CF TD CG GQ GA    XCD: AG DM GD KN LC VC AI MS    XPF: NC PF WF
JPY: JP  CNY: CN  HKD: HK  MOP: MO  TWD: TW  KRW: KR  KPW: KP  SGD: SG  MYR: MY
IDR: ID  THB: TH  VND: VN  PHP: PH  INR: IN BT  PKR: PK  BDT: BD  LKR: LK  NPR: NP
MVR: MV  AFN: AF  IRR: IR  IQD: IQ  SAR: SA  AED: AE  QAR: QA  KWD: KW  BHD: BH
OMR: OM  YER: YE  JOD: JO  ILS: IL PS  LBP: LB  SYP: SY  TRY: TR  GEL: GE  AMD: AM
AZN: AZ  KZT: KZ  UZS: UZ  TMT: TM  KGS: KG  TJS: TJ  MNT: MN  MMK: MM  LAK: LA
KHR: KH  BND: BN  RUB: RU  UAH: UA  BYN: BY  MDL: MD  RON: RO  PLN: PL
CZK: CZ  HUF: HU  SEK: SE  ISK: IS  RSD: RS  MKD: MK  ALL: AL  BAM: BA  GIP: GI
CAD: CA  MXN: MX  BRL: BR  ARS: AR  CLP: CL  COP: CO  PEN: PE  VES: VE  UYU: UY
PYG: PY  BOB: BO  GYD: GY  SRD: SR  FKP: FK  CRC: CR  PAB: PA  NIO: NI  HNL: HN
GTQ: GT  BZD: BZ  CUP: CU  DOP: DO  HTG: HT  JMD: JM  TTD: TT  BBD: BB  BSD: BS
KYD: KY  BMD: BM  AWG: AW  XCG: CW SX  ZAR: ZA  NAD: NA  BWP: BW  LSL: LS  SZL: SZ
EGP: EG  MAD: MA EH  DZD: DZ  TND: TN  LYD: LY  SDG: SD  SSP: SS  ETB: ET  ERN: ER
DJF: DJ  SOS: SO  KES: KE  UGX: UG  TZS: TZ  RWF: RW  BIF: BI  CDF: CD  AOA: AO
ZMW: ZM  MWK: MW  MZN: MZ  ZWG: ZW  MGA: MG  MUR: MU  SCR: SC  KMF: KM  NGN: NG
GHS: GH  SLE: SL  LRD: LR  GNF: GN  GMD: GM  CVE: CV  STN: ST  MRU: MR
FJD: FJ  PGK: PG  SBD: SB  VUV: VU  WST: WS  TOP: TO  SHP: SH
"""

def _parse_mapping(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    current = None
    for token in text.split():
        if token.endswith(":"):
            current = token[:-1]
        elif current:
            mapping[token] = current
    return mapping


#: ISO 3166-1 alpha-2 code to its main ISO 4217 currency.
CURRENCY_BY_COUNTRY = _parse_mapping(_CURRENCY_BY_COUNTRY_TEXT)

_REGIONS_TEXT = """
Europe: AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE
  LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK
Asia: AE AF AM AZ BD BH BN BT CN GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO
  MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE
Africa: AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG
  ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW
Americas: AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GT GY HN
  HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI
Oceania: AS AU CK CX CC FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS
Antarctica: AQ BV GS IO TF
"""

REGION_BY_COUNTRY = _parse_mapping(_REGIONS_TEXT)

#: Financial-centre calendars, as (GMP code, holidays market code).
FINANCIAL_CENTRES = (("USNY", "XNYS"), ("TARGET", "XECB"), ("GBLO", "XLON"),
                     ("HKHK", "XHKG"), ("BRSP", "BVMF"), ("INMU", "XNSE"), ("AUSY", "XASX"))
