// Package resultschema checks results files against the published JSON
// Schema of results.json, protocol/results.schema.json, so that the tests
// catch any drift between what the runner writes and what the schema
// promises. The schema's objects are closed: a new field must be added to
// the schema before a results file carrying it validates.
package resultschema
