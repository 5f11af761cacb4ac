"""The parts catalogue of a street-sweeper parts distributor, built from families.

Every family lists its products in a fixed order, so the catalogue itself does not
depend on the seed; the seed only draws costs, prices and everything that follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MODELS = (
    "C2 compact",
    "C3 compact",
    "C4 compact",
    "C5 compact",
    "T6 truck",
    "T7 truck",
    "T8 truck",
    "T9 truck",
)
"""The sweeper models the parts fit (fictional)."""


@dataclass(frozen=True)
class Part:
    prefix: str
    name: str
    category: str
    unit: str
    cost: tuple[float, float]
    """The range a unit cost is drawn from, in currency units."""


def _sized(
    prefix: str, category: str, names: Iterator[str], cost: tuple[float, float]
) -> list[Part]:
    return [Part(prefix, name, category, "each", cost) for name in names]


def brushes() -> list[Part]:
    parts: list[Part] = []
    for size in (450, 500, 550, 600, 650, 700, 750, 800, 850, 900, 1000):
        low = 25 + size / 20
        # The plain name is the standard polypropylene brush; variants say their fill.
        for fill in ("", "steel-wire ", "mixed-fill "):
            parts.append(
                Part(
                    "GB", f"{size} mm {fill}gutter brush", "gutter brooms", "each", (low, low * 1.6)
                )
            )
    for length in (800, 1000, 1200, 1400, 1600):
        for fill in ("polypropylene", "steel wire", "mixed fill"):
            low = 90 + length / 10
            parts.append(
                Part(
                    "MB", f"Main broom {length} mm, {fill}", "main brooms", "each", (low, low * 1.5)
                )
            )
    parts += _sized(
        "WB",
        "weed brushes",
        (
            f"{size} mm weed brush, {wire}"
            for size in (500, 600, 700)
            for wire in ("flat wire", "twisted wire")
        ),
        (60, 140),
    )
    parts += _sized(
        "BP",
        "brush parts",
        (
            f"{item} for {model}"
            for item in ("Brush plate", "Brush hub", "Brush arm spring")
            for model in MODELS
        ),
        (18, 160),
    )
    return parts


def filters() -> list[Part]:
    kinds = (
        "Air filter",
        "Hydraulic return filter",
        "Hydraulic pressure filter",
        "Fuel filter",
        "Engine oil filter",
        "Cabin filter",
        "Dust panel filter",
    )
    return _sized(
        "FI", "filters", (f"{kind}, {model}" for kind in kinds for model in MODELS), (8, 95)
    )


def squeegees() -> list[Part]:
    parts = _sized(
        "SQ",
        "squeegees and flaps",
        (
            f"{item}, {model}"
            for item in (
                "Suction mouth front flap",
                "Suction mouth rear flap",
                "Side flap pair",
                "Rear squeegee",
            )
            for model in MODELS
        ),
        (12, 85),
    )
    parts += _sized(
        "SQ",
        "squeegees and flaps",
        (
            f"Squeegee blade {length} mm, {rubber}"
            for length in (700, 850, 1000, 1200)
            for rubber in ("natural rubber", "polyurethane")
        ),
        (15, 70),
    )
    return parts


def hoppers() -> list[Part]:
    items = (
        "Hopper door seal",
        "Hopper liner",
        "Hopper tipping cylinder",
        "Hopper mesh screen",
        "Hopper door hinge kit",
    )
    return _sized(
        "HO", "hoppers", (f"{item}, {model}" for item in items for model in MODELS), (20, 900)
    )


def hydraulics() -> list[Part]:
    parts = [
        Part(
            "HH",
            f"Hydraulic hose DN{dn} x {length} mm",
            "hydraulic hoses",
            "each",
            (6 + dn / 2, 14 + dn),
        )
        for dn in (6, 8, 10, 12, 16, 20)
        for length in (500, 750, 1000, 1500, 2000)
    ]
    parts += _sized(
        "HF",
        "hydraulic fittings",
        (
            f"{item} DN{dn}"
            for item in ("Straight coupling", "Elbow coupling 90°", "Quick-release coupling")
            for dn in (8, 10, 12, 16)
        ),
        (4, 45),
    )
    parts += _sized(
        "HM",
        "hydraulic motors and cylinders",
        (
            f"{item}, {model}"
            for item in ("Brush motor", "Gutter brush lift cylinder", "Suction mouth lift cylinder")
            for model in MODELS
        ),
        (140, 780),
    )
    return parts


def bearings() -> list[Part]:
    numbers = (
        "6203-2RS",
        "6204-2RS",
        "6205-2RS",
        "6206-2RS",
        "6207-2RS",
        "6305-2RS",
        "6306-2RS",
        "22210 E",
        "22212 E",
        "UCP205 pillow block",
        "UCP206 pillow block",
        "UCF205 flange unit",
        "UCF206 flange unit",
        "32008 taper roller",
        "32010 taper roller",
    )
    parts = _sized("BR", "bearings", (f"Bearing {number}" for number in numbers), (3, 60))
    parts += _sized(
        "BR",
        "bearings",
        (
            f"{item}, {model}"
            for item in ("Brush motor bearing kit", "Fan shaft bearing kit")
            for model in MODELS
        ),
        (25, 120),
    )
    return parts


def suction_and_water() -> list[Part]:
    parts = _sized(
        "SU",
        "suction system",
        (f"Suction hose {dia} mm x {length} m" for dia in (150, 200, 250) for length in (1, 2, 3)),
        (45, 260),
    )
    parts += _sized(
        "SU",
        "suction system",
        (
            f"{item}, {model}"
            for item in ("Suction nozzle", "Fan impeller", "Fan drive belt")
            for model in MODELS
        ),
        (30, 1200),
    )
    parts += _sized(
        "WS",
        "water system",
        (
            f"{item}, {model}"
            for item in ("Water pump", "Spray bar", "Water tank cap", "Water filter")
            for model in MODELS
        ),
        (6, 420),
    )
    parts += _sized(
        "WS",
        "water system",
        (
            f"Spray nozzle {angle}°, {size}"
            for angle in (65, 80, 110)
            for size in ("0.8 mm", "1.2 mm", "1.6 mm")
        ),
        (2, 9),
    )
    return parts


def electrical_and_drive() -> list[Part]:
    parts = _sized(
        "EL",
        "electrical",
        (
            f"{item}, {model}"
            for item in (
                "LED beacon",
                "LED work light",
                "Hopper level sensor",
                "Joystick",
                "Rear camera",
            )
            for model in MODELS
        ),
        (18, 520),
    )
    parts += _sized(
        "EL",
        "electrical",
        (f"Relay {volts} V {amps} A" for volts in (12, 24) for amps in (20, 40, 70)),
        (4, 22),
    )
    parts += _sized(
        "DR",
        "wheels and drive",
        (
            f"{item}, {model}"
            for item in ("Castor wheel", "Tyre", "Brake pad set", "Drive belt")
            for model in MODELS
        ),
        (15, 380),
    )
    parts += _sized(
        "WP",
        "wear parts",
        (
            f"{item}, {model}"
            for item in ("Skid shoe", "Wear plate", "Suction mouth liner")
            for model in MODELS
        ),
        (12, 160),
    )
    return parts


def consumables() -> list[Part]:
    return [
        Part("CO", name, "consumables", unit, cost)
        for name, unit, cost in (
            ("Hydraulic oil HV46, 20 l", "each", (55.0, 80.0)),
            ("Hydraulic oil HV46, 208 l drum", "each", (480.0, 640.0)),
            ("Lithium grease, 400 g cartridge", "each", (3.0, 6.0)),
            ("Lithium grease, 18 kg pail", "each", (70.0, 110.0)),
            ("Brush bolt set M10", "set", (6.0, 12.0)),
            ("Brush bolt set M12", "set", (7.0, 14.0)),
            ("Cable ties 300 mm, bag of 100", "each", (3.0, 7.0)),
            ("Hose clamp set", "set", (5.0, 15.0)),
            ("Safety decal kit", "set", (10.0, 25.0)),
            ("Hand brush and shovel set", "set", (12.0, 22.0)),
        )
    ]


def parts() -> list[Part]:
    """The whole catalogue, in a fixed order."""
    return [
        *brushes(),
        *filters(),
        *squeegees(),
        *hoppers(),
        *hydraulics(),
        *bearings(),
        *suction_and_water(),
        *electrical_and_drive(),
        *consumables(),
    ]
