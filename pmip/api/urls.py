from ninja import NinjaAPI

api = NinjaAPI(title="PMIP API", version="1", urls_namespace="api")
