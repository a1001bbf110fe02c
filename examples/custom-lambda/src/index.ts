export * from "./AuditedArchive"
export * from "./Fixtures"
export * from "./Handler"
