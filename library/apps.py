from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    label = "library"
    verbose_name = "Articles and self-care handouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from library.defaults import give_new_practice_its_library
        from practice.models import Practice
        from practice.navigation import NavItem, register_nav

        # The practice layer knows nothing of the library: a new practice gets its defaults from here.
        post_save.connect(give_new_practice_its_library, sender=Practice, dispatch_uid="library.defaults")
        register_nav(NavItem("Library", "library:article-list", "library.view", position=125, manage=True))
