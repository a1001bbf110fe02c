/**
 * `@ventureos/storage/s3`: FileIO on S3, kept for existing imports. It lives in `@ventureos/iceberg/s3`;
 * import it from there.
 */
export * from "@ventureos/iceberg/s3"
