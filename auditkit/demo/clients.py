"""The demo clients, their sites and contacts, created where missing (a client seeded by an
older demo gets the sites it lacks, e.g. Delta's depots)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from auditkit.demo.ids import demo_id
from auditkit.models import Contact, Organisation, Site


@dataclass(frozen=True)
class DemoSite:
    key: str
    name: str
    street: str
    city: str
    activities: str
    headquarters: bool = False
    kind: str = "permanent"


@dataclass(frozen=True)
class DemoClient:
    key: str
    name: str
    legal_name: str
    street: str
    city: str
    personnel: int
    registration_number: str
    sites: tuple[DemoSite, ...]
    contact: tuple[str, str, str]  # name, job title, email
    contact_key: str = ""  # the id of the contact, where an older demo named it otherwise


def _depot(city: str, street: str) -> DemoSite:
    return DemoSite(
        city.lower(),
        f"{city} service depot",
        street,
        city,
        "Installation and maintenance of HVAC systems at customers' buildings in the region; "
        "work orders, tools and stock run on the head office's procedures.",
    )


BRIGHTWATER = DemoClient(
    "brightwater",
    "Brightwater Components",
    "Brightwater Components B.V.",
    "Kanaaldijk 12",
    "Eindhoven",
    48,
    "17023456",
    (
        # The older demo named these sites without the client's key: the ids stay.
        DemoSite(
            "eindhoven",
            "Eindhoven head office and plant",
            "Kanaaldijk 12",
            "Eindhoven",
            "Design, machining and assembly of pump components.",
            headquarters=True,
        ),
        DemoSite(
            "tilburg",
            "Tilburg warehouse",
            "Havenweg 7",
            "Tilburg",
            "Storage and dispatch of finished components.",
        ),
    ),
    ("Eva Bakker", "Quality manager", "eva.bakker@brightwater.example"),
    contact_key="contact:brightwater:qm",
)

DELTA = DemoClient(
    "delta",
    "Delta Installatietechniek",
    "Delta Installatietechniek B.V.",
    "Industrieweg 40",
    "Zwolle",
    85,
    "05061234",
    (
        DemoSite(
            "zwolle",
            "Zwolle head office and workshop",
            "Industrieweg 40",
            "Zwolle",
            "Design, prefabrication and project management of HVAC installations.",
            headquarters=True,
        ),
        DemoSite(
            "deventer",
            "Deventer service depot",
            "Zutphenseweg 3",
            "Deventer",
            "Maintenance and emergency service of installations at customers' sites.",
        ),
        _depot("Almelo", "Bedrijvenpark Twente 210"),
        _depot("Amersfoort", "Nijverheidsweg-Noord 61"),
        _depot("Apeldoorn", "Ijsselstraat 25"),
        _depot("Arnhem", "Westervoortsedijk 73"),
        _depot("Assen", "Industrieweg 18"),
        _depot("Emmen", "Phileas Foggstraat 40"),
        _depot("Enschede", "Josink Kolkweg 38"),
        _depot("Groningen", "Duinkerkenstraat 11"),
        _depot("Hengelo", "Twekkelerweg 263"),
        _depot("Meppel", "Blankenstein 320"),
    ),
    ("Marloes Visser", "QHSE coordinator", "marloes.visser@delta.example"),
)

VANDIJK = DemoClient(
    "vandijk",
    "Van Dijk Industrial Services",
    "Van Dijk Industrial Services B.V.",
    "Havenstraat 88",
    "Rotterdam",
    34,
    "24087654",
    (
        DemoSite(
            "rotterdam",
            "Rotterdam office and yard",
            "Havenstraat 88",
            "Rotterdam",
            "Planning, yard and equipment store for scaffolding and insulation work.",
            headquarters=True,
        ),
        DemoSite(
            "botlek",
            "Project: Botlek tank terminal",
            "Theemsweg 20",
            "Rotterdam",
            "Scaffolding and insulation during a tank maintenance stop.",
            kind="temporary",
        ),
    ),
    ("Kees van Dijk", "Managing director", "kees@vandijk.example"),
)

LUMEN = DemoClient(
    "lumen",
    "Lumen Data Services",
    "Lumen Data Services B.V.",
    "Catharijnesingel 52",
    "Utrecht",
    30,
    "30112233",
    (
        DemoSite(
            "utrecht",
            "Utrecht office",
            "Catharijnesingel 52",
            "Utrecht",
            "Development and operation of a patient-portal platform for care providers, hosted "
            "in two colocation data centres run by a supplier.",
            headquarters=True,
        ),
    ),
    ("Sanne Mulder", "Information security officer", "sanne.mulder@lumen.example"),
)

COATINGS = DemoClient(
    "brightwater-coatings",
    "Brightwater Coatings",
    "Brightwater Coatings B.V.",
    "Kanaaldijk 14",
    "Eindhoven",
    16,
    "17029876",
    (
        DemoSite(
            "eindhoven",
            "Eindhoven coating plant",
            "Kanaaldijk 14",
            "Eindhoven",
            "Pre-treatment and powder coating of pump housings and other metal parts.",
            headquarters=True,
        ),
    ),
    ("Joris Bakker", "Plant manager", "joris.bakker@brightwater-coatings.example"),
)

HARBOUR = DemoClient(
    "harbour",
    "Harbour Logistics",
    "Harbour Logistics Rotterdam B.V.",
    "Waalhaven Oostzijde 81",
    "Rotterdam",
    55,
    "24055667",
    (
        DemoSite(
            "waalhaven",
            "Waalhaven terminal",
            "Waalhaven Oostzijde 81",
            "Rotterdam",
            "Storage, cross-docking and road transport of packaged goods.",
            headquarters=True,
        ),
    ),
    ("Iris Smit", "HSE coordinator", "iris.smit@harbour.example"),
)

NOORDZEE = DemoClient(
    "noordzee",
    "Noordzee Packaging",
    "Noordzee Packaging B.V.",
    "Industrieweg 7",
    "Alkmaar",
    32,
    "37011223",
    (
        DemoSite(
            "alkmaar",
            "Alkmaar plant",
            "Industrieweg 7",
            "Alkmaar",
            "Design and printing of corrugated packaging for food producers.",
            headquarters=True,
        ),
    ),
    ("Tom Visser", "Quality manager", "tom.visser@noordzee.example"),
)

CLIENTS = (BRIGHTWATER, DELTA, VANDIJK, LUMEN, COATINGS, HARBOUR, NOORDZEE)


def site_id(client: DemoClient, site_key: str) -> uuid.UUID:
    """Brightwater's sites were named site:<key> by the first demo; the others are
    site:<client>:<key>."""
    if client is BRIGHTWATER:
        return demo_id(f"site:{site_key}")
    return demo_id(f"site:{client.key}:{site_key}")


def ensure_client(session: Session, client: DemoClient) -> Organisation:
    """The client with its sites and contact; whatever is missing is added, nothing changed."""
    org = session.get(Organisation, demo_id(f"org:{client.key}"))
    if org is None:
        org = Organisation(
            id=demo_id(f"org:{client.key}"),
            name=client.name,
            legal_name=client.legal_name,
            address=client.street,
            city=client.city,
            country="NL",
            effective_personnel=client.personnel,
            registration_number=client.registration_number,
        )
        session.add(org)
    have = {s.id for s in org.sites}
    for site in client.sites:
        if site_id(client, site.key) not in have:
            org.sites.append(
                Site(
                    id=site_id(client, site.key),
                    name=site.name,
                    address=site.street,
                    city=site.city,
                    country="NL",
                    activities=site.activities,
                    is_headquarters=site.headquarters,
                    kind=site.kind,
                )
            )
    contact_id = demo_id(client.contact_key or f"contact:{client.key}")
    if all(c.id != contact_id for c in org.contacts):
        name, title, email = client.contact
        org.contacts.append(
            Contact(
                id=contact_id,
                name=name,
                job_title=title,
                email=email,
                is_management_representative=True,
            )
        )
    session.flush()
    return org


def sites_by_key(client: DemoClient, org: Organisation) -> dict[str, Site]:
    by_id = {s.id: s for s in org.sites}
    return {s.key: by_id[site_id(client, s.key)] for s in client.sites}


def ensure_portal_account(session: Session, client: DemoClient, password: str) -> None:
    """The client's contact can sign in to the portal with the demo password (no mail)."""
    from werkzeug.security import generate_password_hash

    from auditkit.models import PortalAccount, utcnow

    contact_id = demo_id(client.contact_key or f"contact:{client.key}")
    contact = session.get(Contact, contact_id)
    if contact is None or session.query(PortalAccount).filter_by(contact_id=contact_id).first():
        return
    session.add(
        PortalAccount(
            id=demo_id(f"portal:{client.key}"),
            contact_id=contact_id,
            organisation_id=contact.organisation_id,
            email=client.contact[2],
            password_hash=generate_password_hash(password),
            activated_at=utcnow(),
        )
    )
