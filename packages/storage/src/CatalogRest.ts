/**
 * `@ventureos/storage/iceberg-rest`: the Iceberg REST catalog client, kept for existing imports. It lives in
 * `@ventureos/iceberg/rest`; import it from there.
 */
export * from "@ventureos/iceberg/rest"
