import Testing

@testable import AloftCore

@Suite("JSON Schema validation of tool arguments")
struct JSONSchemaValidatorTests {
    let schema: JSONValue = [
        "type": "object",
        "properties": [
            "name": ["type": "string", "minLength": 1],
            "limit": ["type": "integer", "minimum": 1, "maximum": 100],
            "mode": ["enum": ["fast", "slow"]],
            "tags": ["type": "array", "items": ["type": "string"]],
        ],
        "required": ["name"],
        "additionalProperties": false,
    ]

    @Test func validArgumentsPass() {
        #expect(JSONSchemaValidator(schema: schema).problems(in: ["name": "x", "limit": 5, "mode": "fast", "tags": ["a"]]).isEmpty)
    }

    @Test func everyProblemNamesItsPath() {
        let problems = JSONSchemaValidator(schema: schema).problems(in: ["limit": 1.5, "mode": "medium", "tags": [1], "extra": true])
        #expect(problems.contains("$: missing required property 'name'"))
        #expect(problems.contains("$.limit: expected integer, got number"))
        #expect(problems.contains(#"$.mode: must be one of "fast", "slow""#))
        #expect(problems.contains("$.tags[0]: expected string, got integer"))
        #expect(problems.contains("$: unknown property 'extra'"))
    }

    @Test func boundsAreChecked() {
        let problems = JSONSchemaValidator(schema: schema).problems(in: ["name": "", "limit": 500])
        #expect(problems == ["$.limit: must be <= 100", "$.name: must be at least 1 characters"])
    }
}
