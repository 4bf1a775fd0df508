"""The note form's clickable body chart: a front and a back outline whose regions carry the keys of
clients.models.NOTE_AREAS, sides included. Seen from the front, the client's right side is on the
viewer's left; seen from the back, their left is. Front and back differ in the trunk, hips and legs."""

from clients.models import BODY_REGIONS, SIDES, area_label

# (kind, region, shape on the viewer's left; None where the region is on the midline). The shape on
# the viewer's right is its mirror image about x = 60.
BOTH_VIEWS = [
    ("ellipse", "head", {"cx": 60, "cy": 29, "rx": 13, "ry": 16}),
    ("rect", "neck", {"x": 52, "y": 46, "width": 7, "height": 11}),
    ("rect", "shoulder", {"x": 27, "y": 58, "width": 32, "height": 12}),
    ("rect", "upper_arm", {"x": 15, "y": 71, "width": 18, "height": 31}),
    ("rect", "forearm", {"x": 15, "y": 103, "width": 18, "height": 30}),
    ("rect", "hand", {"x": 14, "y": 134, "width": 19, "height": 18}),
    ("rect", "foot", {"x": 36, "y": 225, "width": 22, "height": 12}),
]
FRONT = [
    ("rect", "jaw", {"x": 49, "y": 35, "width": 10, "height": 8}),
    ("rect", "chest", {"x": 38, "y": 71, "width": 21, "height": 30}),
    ("rect", "abdomen", {"x": 40, "y": 102, "width": 40, "height": 28}),
    ("rect", "hip", {"x": 38, "y": 131, "width": 21, "height": 20}),
    ("rect", "thigh", {"x": 38, "y": 152, "width": 20, "height": 36}),
    ("rect", "shin", {"x": 38, "y": 189, "width": 20, "height": 35}),
]
BACK = [
    ("rect", "upper_back", {"x": 38, "y": 71, "width": 21, "height": 30}),
    ("rect", "lower_back", {"x": 40, "y": 102, "width": 19, "height": 28}),
    ("rect", "glute", {"x": 38, "y": 131, "width": 21, "height": 20}),
    ("rect", "hamstring", {"x": 38, "y": 152, "width": 20, "height": 36}),
    ("rect", "calf", {"x": 38, "y": 189, "width": 20, "height": 35}),
]
SIDED = {region for region, _, sided in BODY_REGIONS if sided}
WIDTH = 120


def _mirrored(kind: str, at: dict) -> dict:
    if kind == "ellipse":
        return {**at, "cx": WIDTH - at["cx"]}
    return {**at, "x": WIDTH - at["x"] - at["width"]}


def _shapes(outline: list, viewer_left_side: str) -> list[tuple[str, str, dict, str]]:
    """(kind, area key, attributes, label) for each region of `outline`, both sides of the sided ones."""
    viewer_right_side = "right" if viewer_left_side == "left" else "left"
    shapes = []
    for kind, region, at in outline:
        if region not in SIDED:
            shapes.append((kind, region, at, area_label(region)))
            continue
        for side, place in ((viewer_left_side, at), (viewer_right_side, _mirrored(kind, at))):
            shapes.append((kind, f"{region}_{side}", place, area_label(f"{region}_{side}")))
    return shapes


def _view(caption: str, outline: list, viewer_left_side: str) -> dict:
    sides = dict(SIDES)
    return {
        "caption": caption,
        "shapes": _shapes(outline, viewer_left_side),
        # Which of the client's sides is which, printed under the figure.
        "viewer_left": sides[viewer_left_side],
        "viewer_right": sides["right" if viewer_left_side == "left" else "left"],
    }


BODY_CHART = [
    _view("Front", [*BOTH_VIEWS, *FRONT], viewer_left_side="right"),
    _view("Back", [*BOTH_VIEWS, *BACK], viewer_left_side="left"),
]
