from django.apps import AppConfig


def _registry_changed(sender, **kwargs):
    from pmip.core import public_cache
    from pmip.registry.search_index import SEARCH_NAMESPACE
    from pmip.registry.selectors import PUBLIC_NAMESPACE

    public_cache.invalidate(PUBLIC_NAMESPACE)
    public_cache.invalidate(SEARCH_NAMESPACE)  # names of districts and projects shown in search results


class RegistryConfig(AppConfig):
    name = "pmip.registry"
    label = "registry"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from pmip.registry import models, search_index

        # Public reads of these models are cached (pmip.core.public_cache): any save or delete invalidates them.
        # Bulk writes that bypass signals (registry import, demo city) invalidate explicitly.
        for model in (
            models.District,
            models.Subdistrict,
            models.Community,
            models.PropertyCompany,
            models.Project,
        ):
            post_save.connect(_registry_changed, sender=model, dispatch_uid=f"public-cache-{model.__name__}")
            post_delete.connect(
                _registry_changed, sender=model, dispatch_uid=f"public-cache-del-{model.__name__}"
            )
        # The public search's n-gram index follows every saved project, in the transaction of the save (Project.save
        # wraps it in one); bulk writes re-index explicitly (pmip.registry.search_index).
        post_save.connect(
            search_index.project_saved, sender=models.Project, dispatch_uid="search-index-project"
        )
