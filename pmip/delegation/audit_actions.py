from pmip.audit.actions import register

register("delegation.granted", "发起委托")
register("delegation.revoked", "解除委托")
register("delegation.delegate_verified", "被委托人认证")
