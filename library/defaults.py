"""The articles every practice starts with: plain self-care a therapist commonly gives, written for
this app (no medical claims beyond common guidance). The owner edits, unpublishes or deletes them.

Used by the data migration that gives existing practices their library and by the receiver that
gives each new practice its own (library.apps), so a practice is never without one."""

DISCLAIMER = (
    "*This is general self-care guidance, not medical advice. If something hurts, feels wrong or does not "
    "get better, stop and talk to your doctor.*"
)

DEFAULT_ARTICLES = [
    {
        "title": "Stretches for a stiff neck at the desk",
        "summary": "Three slow stretches you can do in your chair, a few times a day.",
        "kind": "handout",
        "reasons": ["desk", "tension"],
        "areas": ["neck", "shoulders"],
        "body_markdown": f"""Hours at a screen keep the head forward and the shoulders up. These stretches take two
minutes; move slowly and stay well within what is comfortable.

## 1. Chin tuck

Sit tall. Gently draw your chin straight back, as if making a double chin, and hold for five
seconds. Relax. Repeat five times.

## 2. Ear to shoulder

Let your right ear drop towards your right shoulder until you feel a gentle stretch on the left
side of your neck. Breathe slowly for 20 seconds, then change sides.

## 3. Shoulder rolls

Lift your shoulders towards your ears, roll them back and down. Ten slow rolls.

## Through the day

- Set your screen at eye height, an arm's length away.
- Stand up and move for a minute every half hour.
- Stretching should feel like a pull, never pain: ease off if it does.

{DISCLAIMER}""",
    },
    {
        "title": "Heat or ice after a deep-tissue massage",
        "summary": "Which one to use when you feel sore the day after, and how long for.",
        "kind": "handout",
        "reasons": ["pain", "sport"],
        "areas": [],
        "body_markdown": f"""Feeling a little sore for a day or two after deep work is common, a bit like after
exercise. Most people find one of these helps.

## Warmth, for stiffness

A warm shower, a bath or a heat pack (wrapped in a towel) for 15 to 20 minutes helps tight
muscles relax. Good the evening after your massage and the next morning.

## Cold, for a tender spot

If one spot feels tender or warm to the touch, a cold pack wrapped in a cloth for up to 10 to 15
minutes can calm it. Never put ice straight on the skin.

## Either way

- Keep moving gently: a walk helps more than staying still.
- Check the temperature on your skin often; stop if it feels too hot or numb.
- Soreness should ease within two days. If it gets worse, tell us.

{DISCLAIMER}""",
    },
    {
        "title": "Drink water? What actually helps after a massage",
        "summary": "What to do, and what not to worry about, in the hours after your visit.",
        "kind": "article",
        "reasons": ["tension", "sleep"],
        "areas": [],
        "body_markdown": f"""You may have heard that you must drink lots of water after a massage to "flush out
toxins". There is no good evidence for the flushing, but the habits around it are sensible.

## What helps

- **Drink when you are thirsty.** A glass of water is a good idea, as on any day.
- **Take it easy for a few hours.** Plan a quiet evening if you can.
- **Move gently.** A short walk keeps the muscles that were worked from stiffening.
- **Eat something light** if you feel a little light-headed when you get up.

## What not to worry about

Feeling relaxed, sleepy or a bit tender is normal. It passes within a day or two.

{DISCLAIMER}""",
    },
    {
        "title": "Lower back: three gentle moves",
        "summary": "Easy movements for a stiff lower back, lying down or on all fours.",
        "kind": "handout",
        "reasons": ["pain", "desk"],
        "areas": ["lower_back", "hips_glutes"],
        "body_markdown": f"""A stiff lower back usually feels better with gentle movement rather than rest. Do these
on a mat or a carpet, slowly, once or twice a day.

## 1. Knee hugs

Lie on your back. Bring one knee towards your chest and hold it with both hands for 20 seconds.
Change legs. Then both knees together.

## 2. Knee rolls

Lie on your back with knees bent and feet flat. Let both knees fall slowly to one side, then the
other, keeping your shoulders on the floor. Ten times.

## 3. Cat and cow

On hands and knees, round your back up towards the ceiling, then let it sink gently. Move with
your breath, ten times.

Stop if a move causes sharp pain, or pain or tingling down a leg.

{DISCLAIMER}""",
    },
    {
        "title": "What massage can do for tension headaches",
        "summary": "How tight neck and shoulder muscles play a part, and what you can do between visits.",
        "kind": "article",
        "reasons": ["headache", "tension"],
        "areas": ["head_jaw", "neck", "shoulders"],
        "body_markdown": f"""Many everyday headaches come with tight muscles in the neck, shoulders, jaw and scalp.
Massage works on those muscles, and many clients tell us their headaches come less often or less
strongly when the tension is eased.

## Between visits

- Notice when you clench your jaw or lift your shoulders, and let them drop.
- Take screen breaks, and keep drinking through the day.
- Try the stretches for a stiff neck in our handouts.
- A warm towel around the neck can be soothing.

## When to see a doctor

A sudden, severe headache, one with fever, confusion, weakness or changes in vision, or headaches
that are new or getting worse need a doctor, not a massage.

{DISCLAIMER}""",
    },
]


def default_articles(article_model, practice_id) -> list:
    """Unsaved rows of the defaults for one practice (works with the migration's historical model)."""
    return [article_model(practice_id=practice_id, **values) for values in DEFAULT_ARTICLES]


def ensure_default_articles(*, practice) -> int:
    """Give `practice` the default articles unless it has a library already; returns how many were made."""
    from django_scopes import scope

    from library.models import Article

    with scope(practice=practice):
        if Article.objects.filter(practice=practice).exists():
            return 0
        return len(Article.objects.bulk_create(default_articles(Article, practice.pk)))


def give_new_practice_its_library(sender, instance, created, raw=False, **kwargs):
    """post_save of Practice: a new practice starts with the defaults (in the transaction that creates it)."""
    if created and not raw:
        from django_scopes import scope

        from library.models import Article

        with scope(practice=instance):
            Article.objects.bulk_create(default_articles(Article, instance.pk))
