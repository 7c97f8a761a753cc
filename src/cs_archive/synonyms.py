"""Children's-services vocabulary: abbreviations, their expansions, and the plain words people
use for them, one concept a line (data only: ``lexical.named_concepts`` reads it). A query that
names one form also searches the others in the lexical (BM25) arm, so "LAC" finds "children in care" and "kids taught at home" finds
"electively home educated".

Each line lists the forms of one concept, separated by "|". A form written in capitals
(SEND, LAC) is an abbreviation: it matches only when the query writes it in capitals, so the
verb "send" does not pull in special educational needs. Other forms match the query's words
after stemming ("looked after children" also matches "looked-after child").

Written from the field's standard terms (DfE, Ofsted and council glossaries), not from any
one archive; add a line to teach the search a new term.
"""
from __future__ import annotations

VOCABULARY = """
LAC | CLA | CiC | looked after children | looked after child | children looked after | children in care | child in care
care leavers | care leaver | leaving care | left care
foster care | fostering | foster carers | foster placement | IFA | independent fostering agency
EHCP | EHC plan | EHC plans | EHCPs | education health and care plan | education health and care plans | statement of special educational needs
SEND | SEN | special educational needs and disabilities | special educational needs | special needs | additional needs | learning difficulties
HNB | high needs block | high needs funding | high needs budget
DSG | dedicated schools grant | designated schools grant
EP | EPs | educational psychologist | educational psychologists | educational psychology
SALT | speech and language therapy | speech and language
OT | occupational therapy | occupational therapist
ASD | ASC | autism | autistic spectrum disorder | autistic
ADHD | attention deficit hyperactivity disorder | attention deficit
SEMH | social emotional and mental health
CAMHS | child and adolescent mental health services | child and adolescent mental health service | mental health services for children
UASC | unaccompanied asylum seeking children | unaccompanied asylum seeking child | unaccompanied asylum seekers | unaccompanied children
NTS | national transfer scheme
CSE | child sexual exploitation | sexual exploitation
CCE | child criminal exploitation | criminal exploitation | county lines | gangs
YOS | YOT | youth offending service | youth offending team | youth offending | youth justice | young offenders | youth crime
MASH | multi agency safeguarding hub | front door
NEET | not in education employment or training | not in employment education or training
EHE | elective home education | electively home educated | home educated | home education | home schooling | home schooled
CME | children missing education | missing education
CIN | CiN | child in need | children in need
CP | CPP | child protection | child protection plan | child protection plans
ICPC | initial child protection conference | initial child protection conferences
PEP | personal education plan
IRO | independent reviewing officer
SGO | special guardianship order | special guardianship
EBSNA | EBSA | emotionally based school non attendance | emotionally based school avoidance | school refusal
PRU | pupil referral unit | alternative provision
KS1 | key stage 1
KS2 | key stage 2
KS4 | key stage 4 | GCSE | GCSEs
DfE | department for education
CQC | care quality commission
ICB | integrated care board
ICS | integrated care system
CCG | clinical commissioning group | clinical commissioning groups
WSOA | WSoA | written statement of action
ILACS | inspecting local authority children's services
ADCS | association of directors of children's services
DCS | director of children's services
LGA | local government association
MTFP | medium term financial plan
FTE | full time equivalent
HAF | holiday activities and food
VCS | voluntary and community sector | voluntary sector | charities
substance misuse | drug and alcohol | drugs and alcohol | drug use | drugs
exclusion | exclusions | excluded from school | expelled
attendance | absence | absenteeism | truancy | persistently absent
agency social workers | agency social worker | agency staff
headteachers | head teachers | headteacher | head teacher
children's homes | children's home | residential care | residential placements
"""


def _groups() -> list[tuple[str, ...]]:
    out = []
    for line in VOCABULARY.strip().splitlines():
        forms = tuple(f.strip() for f in line.split("|") if f.strip())
        if len(forms) > 1:
            out.append(forms)
    return out


def _is_abbreviation(form: str) -> bool:
    letters = [c for c in form if c.isalpha()]
    return " " not in form and len(letters) >= 2 and sum(c.isupper() for c in letters) >= len(letters) - 1
