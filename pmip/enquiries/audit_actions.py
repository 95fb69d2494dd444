from pmip.audit.actions import register

register("enquiries.enquiry.opened", "提出咨询")
register("enquiries.enquiry.withdrawn", "撤回咨询")
register("enquiries.enquiry.rated", "评价答复")
register("enquiries.enquiry.reopened", "重新打开咨询")
register("enquiries.enquiry.accepted", "受理咨询")
register("enquiries.enquiry.answered", "答复咨询")
register("enquiries.enquiry.escalated", "咨询超期转办")
register("enquiries.answer.published", "匿名公开答复")
register("enquiries.answer.withdrawn", "撤下公开答复")
register("enquiries.consent.changed", "变更公开同意")
