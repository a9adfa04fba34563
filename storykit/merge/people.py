"""People, outlets and places: names found by generic patterns, one canonical name per person."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from storykit.merge.numbers import MONTHS, WEEKDAYS, parse_number
from storykit.merge.text import key, strip_accents, wordset

_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'\-]*"
_PARTICLE = r"(?:de|du|des|da|di|van|von|der|den|la|le|el|al|bin|ben|ibn|dos|del)"
NAME_RE = re.compile(rf"(?<![\w’']){_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP})*")
SPEECH = (
    r"said|says|say|told|tells|telling|wrote|writes|added|adds|explained|explains|recalled|recalls|"
    r"repeated|posted|tweeted|stated|declared|announced|insisted|continued|asked|replied|shouted|"
    r"exclaimed|admitted|revealed|confirmed|described|warned|put it|remembered|praised|hailed|called it|"
    r"a déclaré|a dit|dit|a expliqué|explique|a raconté|raconte|confie|a confié|a ajouté|ajoute|"
    r"a écrit|écrit|a tweeté|témoigne|a témoigné|souligne|assure|a assuré|affirme|a affirmé|"
    r"poursuit|lance|a lancé|se souvient|résume|déclare|a salué|salue|a dénoncé|dénonce|estime|a estimé|"
    r"a indiqué|indique|a précisé|précise|a souligné|a réagi|réagit|a martelé|a prévenu|a reconnu|reconnaît|"
    r"a-t-(?:il|elle)\s+\w+|ont-(?:ils|elles)\s+\w+|"
    r"according to"
)
SPEECH_RE = re.compile(rf"\b(?:{SPEECH})\b", re.I)
OUTLET_RE = re.compile(
    r"\b(?:told|telling|speaking to|speaking with|talking to|in an interview with|interviewed by|"
    r"according to|reported by|posted on|wrote on|writing on|taking to|said on|in a post on|"
    r"a déclaré à|a confié à|a confié au|a dit à|au micro de|interrogée? par|selon|sur|à|au)\s+"
    rf"(?P<o>(?:[Tt]he\s+|[Ll]e\s+|[Ll]a\s+|[Ll]es\s+|[Ll]’|[Ll]')?{_CAP}(?:\s+{_CAP})*)"
    r"|(?P<o2>(?:[Tt]he\s+)?" + _CAP + r"(?:\s+" + _CAP + r")*)\s+(?:reported|reports|a rapporté|rapporte)\b"
)
# words that open a sentence or a title and are never part of a name
STOP = frozenset(
    wordset(
        "the a an and but or so yet if when while as at in on of to for from by with after before "
        "then this that these those there here he she it they we you i his her its their our my "
        "your who what where why how which some many most more all each every no not one two "
        "three four five six seven eight nine ten first second moments later also even just only "
        "still instead despite during since until according incredible dramatic official "
        "mainstream video footage watch read related advertisement image photo credit faq le la "
        "les un une des du et mais ou donc car il elle ils elles nous vous je on ce cette ces son "
        "sa ses leur leurs dans sur pour par avec sans selon après avant pendant depuis quand "
        "alors très tout tous toute toutes yes oh"
    )
)
TITLES = frozenset(
    wordset(
        "mr mrs ms miss mme mlle m dr prof sir dame lord lady rev father sister brother capt "
        "captain lt lieutenant sgt sergeant cpl col colonel gen general maj major cmdr commander "
        "officer inspector detective chief police fire deputy senator sen rep representative mp "
        "mep mayor governor president minister premier prime secretary spokesman spokeswoman "
        "spokesperson judge justice prosecutor ambassador commissioner councillor councilwoman "
        "councilman king queen prince princess pope interior foreign home state vice former ex "
        "préfet maire ministre président présidente sénateur sénatrice député députée procureur "
        "procureure commissaire capitaine lieutenant général docteur professeur maître monsieur "
        "madame mademoiselle "
        # descriptors that stand before a name like a title ("Passenger Jane Doe", "Neighbour John Roe")
        "passenger witness eyewitness neighbour neighbor resident survivor bystander driver pilot nurse "
        "student teacher farmer shopkeeper firefighter paramedic coastguard "
        "témoin voisin voisine habitant habitante passager passagère riverain riveraine pompier infirmier infirmière"
    )
)
ORG_WORDS = frozenset(
    wordset(
        "day project ministry post times news department council party street avenue road "
        "university hospital church company inc ltd group club museum park tower building "
        "institute agency service brigade court house assembly senate republic union journal "
        "tribune herald gazette radio tv channel network foundation association twitter facebook "
        "instagram tiktok youtube school college station airport bridge square district "
        "arrondissement region county préfecture mairie ministère hôpital rue boulevard "
        # geographic and institutional nouns: "Kerrow Island", "Port X", "X Branch", "X Agri"
        "island islands isle port harbour harbor bay lake river mountain mount valley beach coast cape "
        "branch office authority commission board bureau corporation corp plc llc sa sas inc. "
        "île port lac rivière vallée mont montagne plage côte baie"
    )
)
DEMONYMS = frozenset(
    wordset(
        "french british english american german spanish italian african european dutch belgian "
        "swiss canadian chinese japanese russian ukrainian polish irish scottish welsh greek "
        "turkish local national français française britannique américain allemand"
    )
)
ROLE_NOUNS = (
    "neighbour|neighbor|witness|resident|father|mother|husband|wife|son|daughter|friend|teacher|"
    "caretaker|driver|worker|nurse|doctor|firefighter|officer|spokesman|spokeswoman|spokesperson|"
    "senator|mayor|minister|president|prosecutor|student|owner|manager|director|lawyer|"
    "survivor|victim|passer-by|bystander|councilwoman|councillor|councilman|mep|mp|contractor|"
    "employee|guard|paramedic|chief|founder|hero|migrant|immigrant|tenant|janitor|caregiver|"
    "voisin|voisine|témoin|père|mère|gardien|gardienne|pompier|policier|maire|sénateur|député|"
    "habitant|habitante|locataire|employé|employée|infirmier|infirmière|chauffeur|agent"
)
ROLE_RE = re.compile(
    rf"\b(?:a|an|the|one of the|un|une|le|la)\s+(?P<role>(?:[\w-]+\s+){{0,3}}?(?:{ROLE_NOUNS})s?)\b"
    rf"(?:\s+(?:and|et)\s+(?P<role2>(?:{ROLE_NOUNS})))?",
    re.I,
)
HONORIFICS = wordset("mr mrs ms miss mme mlle m dr prof sir dame monsieur madame mademoiselle")
FEMALE = wordset(
    "she her hers elle mrs ms mme mlle madame mother wife daughter woman girl sister "
    "councilwoman spokeswoman mère femme fille voisine sénatrice députée"
)
MALE = wordset(
    "he his him il mr m monsieur father husband son man boy brother councilman spokesman père "
    "mari fils homme garçon voisin"
)
PLACE_PREP = re.compile(
    rf"\b(?:in|at|near|from|outside|across|en|à|dans|près de)\s+(?:(?:northern|southern|eastern|"
    rf"western|central|downtown|greater|north|south|east|west|the)\s+)?(?P<p>{_CAP}(?:\s+{_CAP})?)"
)
DISTRICT_RE = re.compile(r"\b(?P<p>\d{1,2}(?:st|nd|rd|th|e|ème|er)\s+(?:arrondissement|district|borough|ward))\b", re.I)


@dataclass
class PersonInfo:
    """What the merge learns about one person."""

    id: str
    forms: Counter[str] = field(default_factory=Counter)  # name form → mentions
    sources: set[str] = field(default_factory=set)
    roles: Counter[str] = field(default_factory=Counter)
    ages: Counter[int] = field(default_factory=Counter)
    age_sources: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    gender: Counter[str] = field(default_factory=Counter)

    @property
    def name(self) -> str:
        """Canonical name: the multi-word form most sources use, then the longest."""
        multi = [f for f in self.forms if len(f.split()) > 1] or list(self.forms)
        return max(multi, key=lambda f: (self.forms[f], len(f.split()), len(f), f))

    def surname(self) -> str:
        """The folded last word of the canonical name."""
        return key(self.name.split()[-1])


def _strip_name(raw: str) -> tuple[str, list[str]]:
    """A capitalised run without its leading titles and demonyms; returns (name, titles)."""
    toks = raw.replace("’s", "").replace("'s", "").split()
    titles: list[str] = []
    last_title = max((i for i, t in enumerate(toks) if t.lower().strip(".") in TITLES), default=-1)
    if 0 <= last_title < len(toks) - 1:
        titles, toks = toks[: last_title + 1], toks[last_title + 1 :]
    while toks and (toks[0].lower().strip(".") in TITLES or toks[0].lower() in DEMONYMS or toks[0].lower() in STOP):
        titles.append(toks.pop(0))
    while toks and toks[-1].lower() in STOP:
        toks.pop()
    return " ".join(toks), titles


def outlets_in(text: str) -> list[str]:
    """Outlet names after "told", "according to", "posted on"... in a text."""
    out = []
    for m in OUTLET_RE.finditer(text):
        o = (m.group("o") or m.group("o2") or "").strip().rstrip(".")
        o = re.sub(r"^(?:[Tt]he)\s+", "", o)
        first = o.split()[0].lower() if o.split() else ""
        if not o or o.lower() in MONTHS or o.lower() in WEEKDAYS or first in ("he", "she", "it", "they"):
            continue
        if first in TITLES or first in STOP - {"le", "la", "les"}:
            continue
        out.append(o)
    return out


class Registry:
    """All people, outlets and places named in the sources."""

    def __init__(self) -> None:
        self.people: list[PersonInfo] = []
        self.outlets: Counter[str] = Counter()
        self.places: dict[str, set[str]] = defaultdict(set)
        self._by_form: dict[str, PersonInfo] = {}
        self._pattern: re.Pattern[str] | None = None
        self._pattern_size = 0

    def lookup(self, form: str) -> PersonInfo | None:
        """The person a name form refers to, if any."""
        return self._by_form.get(key(form))

    def forms(self) -> list[tuple[str, PersonInfo]]:
        """Every known name form, longest first (for scanning text)."""
        return sorted(((f, p) for f, p in self._by_form.items()), key=lambda x: (-len(x[0]), x[0]))

    def mentions(self, text: str) -> list[tuple[int, int, PersonInfo]]:
        """Where known people are named in a text (longest form wins)."""
        if not self._by_form:
            return []
        if self._pattern is None or self._pattern_size != len(self._by_form):
            alts = "|".join(re.escape(f) for f, _ in self.forms())
            self._pattern = re.compile(rf"(?<![\w])(?:{alts})(?![\w])")
            self._pattern_size = len(self._by_form)
        folded = key_positions(text)
        return [(m.start(), m.end(), self._by_form[m.group(0)]) for m in self._pattern.finditer(folded)]


def key_positions(text: str) -> str:
    """The text folded like `key` but keeping every character's position (same length)."""
    return text.translate(_FOLDED)


def _fold_char(c: str) -> str:
    f = strip_accents(c).lower()
    return f[0] if f and f[0].isalnum() else " "


class _FoldTable(dict[int, str]):
    """str.translate's table for key_positions, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        if len(self) >= 65536:  # a text of every script at once: start again rather than grow
            self.clear()
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLDED = _FoldTable()


def _evidence(text: str, start: int, end: int) -> bool:
    """True when the words around a name say it is a person."""
    after = text[end : end + 60]
    before = text[max(0, start - 40) : start]
    if re.match(r",\s*\d{1,3}(?:\s*ans)?\s*,", after):
        return True
    if re.match(r",\s*(?:a|an|the|one of|another|un|une|l'un|l’un)\s", after):
        return True
    if re.match(rf"\s*(?:,[^,]{{1,60}},\s*)?(?:later\s+|also\s+)?(?:{SPEECH})\b", after, re.I):
        return True
    if re.search(rf"\b(?:{SPEECH})\s*$", before, re.I):
        return True
    return bool(re.search(r"\b(?:named|called|identified as|nommée?|prénommée?)\s+$", before, re.I))


def _good_name(name: str) -> bool:
    toks = name.split()
    if not toks or len(toks) > 4:
        return False
    for t in toks:
        low = t.lower()
        if low in STOP or low in ORG_WORDS or low in MONTHS or low in WEEKDAYS or low in TITLES:
            return False
        if not t[0].isupper() or (t.isupper() and len(t) > 1):
            return False
    return True


def build_registry(texts: Iterable[tuple[str, str, bool]]) -> Registry:
    """People, outlets and places from (source id, text, inside-quote-free) triples."""
    reg = Registry()
    items = list(texts)
    for _sid, text, _ in items:
        for o in outlets_in(text):
            reg.outlets[o] += 1
    outlet_keys = {key(o) for o in reg.outlets}
    outlet_keys |= {
        k.split(" ", 1)[1]
        for k in list(outlet_keys)
        if k.split(" ", 1)[0] in ("le", "la", "les", "l", "the") and " " in k
    }
    candidates: dict[str, Counter[str]] = defaultdict(Counter)  # folded full name → forms
    evidence: set[str] = set()
    singles: list[tuple[str, str, bool]] = []
    for sid, text, _ in items:
        for m in NAME_RE.finditer(text):
            name, _titles = _strip_name(m.group(0))
            if not _good_name(name) or key(name) in outlet_keys:
                continue
            start = m.start() + m.group(0).find(name.split()[0])
            titled = bool(_titles and _titles[-1].lower().strip(".") in TITLES)
            ev = _evidence(text, start, start + len(name)) or titled
            if len(name.split()) >= 2:
                candidates[key(name)][name] += 1
                if ev:
                    evidence.add(key(name))
            else:
                strong = titled or bool(
                    re.match(
                        rf",\s*\d{{1,3}}(?:\s*ans)?\s*,|\s*(?:,[^,]{{1,60}},\s*)?(?:later\s+|also\s+)?(?:{SPEECH})\b",
                        text[start + len(name) : start + len(name) + 80],
                        re.I,
                    )
                )
                singles.append((sid, name, strong))
    # multi-word names: persons unless they look like places or organisations
    place_words = _place_words(items)
    for k in sorted(candidates, key=lambda x: (-len(x.split()), x)):
        forms = candidates[k]
        if k not in evidence and sum(forms.values()) < 2:
            continue
        surname = k.split()[-1]
        first = k.split()[0]
        person = next((p for p in reg.people if p.surname() == surname and key(p.name).split()[0] == first), None)
        if person is None:
            person = next(
                (p for p in reg.people if p.surname() == surname and set(k.split()) <= set(key(p.name).split())), None
            )
        if person is None:
            person = PersonInfo(id="")
            reg.people.append(person)
        person.forms.update(forms)
        reg._by_form[k] = person
    single_forms: dict[str, Counter[str]] = defaultdict(Counter)
    single_ev: set[str] = set()
    for _sid, name, ev in singles:
        single_forms[key(name)][name] += 1
        if ev:
            single_ev.add(key(name))
    for k in sorted(single_forms):
        forms = single_forms[k]
        if k in place_words:
            continue
        matches = [p for p in reg.people if any(k in key(f).split() for f in p.forms)]
        if len(matches) == 1:
            person = matches[0]
        elif k in single_ev and len(k) > 2:
            near = [
                p
                for p in reg.people
                if len(p.forms)
                and len(key(p.name).split()) == 1
                and fuzz.ratio(key(p.name), k) >= 85
                and key(p.name)[:4] == k[:4]
            ]
            if near:
                person = near[0]
            else:
                person = PersonInfo(id="")
                reg.people.append(person)
        else:
            continue
        person.forms.update(forms)
        reg._by_form[k] = person
    for i, p in enumerate(sorted(reg.people, key=lambda p: (-sum(p.forms.values()), p.name)), 1):
        p.id = f"person-{i}"
    reg.people.sort(key=lambda p: p.id)
    # places
    person_keys = set(reg._by_form)
    for sid, text, _ in items:
        for m in PLACE_PREP.finditer(text):
            name, _ = _strip_name(m.group("p"))
            k = key(name)
            if (
                not name
                or k in person_keys
                or k in outlet_keys
                or name.lower() in MONTHS
                or name.lower() in WEEKDAYS
                or any(t.lower() in ORG_WORDS for t in name.split())
                or not _good_name(name)
            ):
                continue
            reg.places[name].add(sid)
        for m in DISTRICT_RE.finditer(text):
            reg.places[m.group("p")].add(sid)
    return reg


def _place_words(items: list[tuple[str, str, bool]]) -> set[str]:
    """Single words that follow a locative preposition somewhere ("in Springfield"): never a person alone."""
    out = set()
    for _sid, text, _ in items:
        for m in PLACE_PREP.finditer(text):
            name, _ = _strip_name(m.group("p"))
            if len(name.split()) == 1:
                out.add(key(name))
    return out


def clean_role(role: str) -> str:
    """A role as a singular noun phrase in lower case, acronyms kept ("rescued mothers" → "mother",
    "French MEP" → "MEP", "Police Chief" → "police chief")."""
    words = [w.strip(".,") for w in role.split()]
    words = [w for w in words if w and w.lower() not in STOP and w.lower() not in DEMONYMS]
    # participles describe what happened to someone ("rescued", "injured"), not a role
    while len(words) > 1 and re.fullmatch(r"[a-zà-ÿ]+(?:ed|és?|ées?)", words[0]):
        words.pop(0)
    if not words:
        return ""
    last = words[-1]
    low = last.lower()
    if re.fullmatch(rf"(?:{ROLE_NOUNS})s", low) and not re.fullmatch(rf"(?:{ROLE_NOUNS})", low):
        words[-1] = last[:-1]
    return " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in words)


def learn_facts(reg: Registry, sid: str, text: str) -> None:
    """Roles, ages and gender of the people named in one (quote-free) sentence."""
    ments = reg.mentions(text)
    for s, e, person in ments:
        person.sources.add(sid)
        after = text[e : e + 120]
        before = text[max(0, s - 60) : s]
        m = re.match(r"\s*(?:,|\()\s*(\d{1,3})(?:\s*ans)?\s*[,.)]", after)
        age = int(m.group(1)) if m else None
        m2 = re.match(r"\s*,\s*(?:a|an|un|une)\s+(\S+?)[- ]year[- ]old", after, re.I)
        if m2:
            v = parse_number(m2.group(1))
            age = int(v) if v is not None else age
        if age is not None and 0 < age < 120:
            person.ages[age] += 1
            person.age_sources[age].add(sid)
        apposition = re.sub(r"^\s*,\s*(?:\d{1,3}(?:\s*ans)?\s*,\s*)?", "", after)
        rm = ROLE_RE.match(apposition) if after.lstrip().startswith(",") else None
        if rm:
            role = clean_role(re.sub(r"^(?:\S+[- ]year[- ]old\s+)", "", rm.group("role")))
            if role:
                person.roles[role] += 1
            if rm.group("role2"):
                person.roles[clean_role(rm.group("role2"))] += 1
        tm = re.search(r"((?:[A-Z][\w’'.-]*\s+){1,3})$", before)
        if tm:
            titles = [t for t in tm.group(1).split() if t.lower().strip(".") in TITLES]
            if titles and tm.group(1).split()[-1].lower().strip(".") in TITLES:
                words = tm.group(1).split()
                while words and words[0].lower().strip(".") not in TITLES and words[0].lower() not in DEMONYMS:
                    words.pop(0)
                role = " ".join(w for w in words if w.lower() not in DEMONYMS).strip()
                if role and role.lower().strip(".") not in HONORIFICS:
                    person.roles[clean_role(role)] += 1
        for w in re.findall(r"[\w’']+", (before + " " + after[:60]).lower()):
            if w in ("mr", "mrs", "ms", "mme", "mother", "father", "wife", "husband"):
                person.gender["f" if w in FEMALE else "m"] += 1
    if len({p.id for _, _, p in ments}) == 1:
        s, e, person = ments[0]
        pron = re.search(r"\b(he|his|him|she|her|hers|il|elle)\b", text[e:], re.I)
        if pron:
            person.gender["f" if pron.group(1).lower() in FEMALE else "m"] += 1
