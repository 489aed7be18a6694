/// The OpenAPI 3.1 document of the API, served at `/openapi.json`. The document is
/// `OpenAPI/openapi.json`; `scripts/generate-openapi-swift.sh` embeds it (`json`).
enum OpenAPIDocument {}
