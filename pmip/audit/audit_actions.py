from pmip.audit.actions import register

register("audit.chain.verified", "审计链核验")
register("audit.chain.broken", "审计链核验发现断裂")
