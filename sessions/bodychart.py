"""The shapes of the note form's clickable body chart: a front and a back outline whose regions
carry the body-area keys of clients.models.BODY_AREAS. Front and back differ only in the trunk."""

LIMBS = [
    ("ellipse", "head_jaw", {"cx": 60, "cy": 32, "rx": 14, "ry": 17}),
    ("rect", "neck", {"x": 53, "y": 49, "width": 14, "height": 10}),
    ("rect", "shoulders", {"x": 28, "y": 59, "width": 64, "height": 12}),
    ("rect", "arms", {"x": 16, "y": 71, "width": 18, "height": 62}),
    ("rect", "arms", {"x": 86, "y": 71, "width": 18, "height": 62}),
    ("rect", "hands", {"x": 14, "y": 134, "width": 18, "height": 18}),
    ("rect", "hands", {"x": 88, "y": 134, "width": 18, "height": 18}),
    ("rect", "hips_glutes", {"x": 38, "y": 131, "width": 44, "height": 20}),
    ("rect", "legs", {"x": 38, "y": 151, "width": 20, "height": 72}),
    ("rect", "legs", {"x": 62, "y": 151, "width": 20, "height": 72}),
    ("rect", "feet", {"x": 36, "y": 224, "width": 22, "height": 12}),
    ("rect", "feet", {"x": 62, "y": 224, "width": 22, "height": 12}),
]
UPPER_TRUNK = {"x": 38, "y": 71, "width": 44, "height": 30}
LOWER_TRUNK = {"x": 40, "y": 101, "width": 40, "height": 30}

BODY_CHART = [
    ("Front", [*LIMBS, ("rect", "chest", UPPER_TRUNK), ("rect", "abdomen", LOWER_TRUNK)]),
    ("Back", [*LIMBS, ("rect", "upper_back", UPPER_TRUNK), ("rect", "lower_back", LOWER_TRUNK)]),
]
