import Opencharge
import Testing

/// The validator the conformance test relies on can say no: each keyword the document uses rejects a value
/// that breaks it, and the shipped schemas reject wrong bodies.
struct SchemaValidatorTests {
    let validator = SchemaValidator(root: [
        "components": [
            "schemas": [
                "Status": ["type": "string", "enum": ["ok", "ready"]],
                "Body": [
                    "type": "object", "required": ["status"], "additionalProperties": false,
                    "properties": [
                        "status": ["$ref": "#/components/schemas/Status"], "count": ["type": ["integer", "null"], "minimum": 1],
                    ],
                ],
            ]
        ]
    ])

    func schema(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    @Test func aConformingValuePasses() {
        #expect(validator.problems(["status": "ok", "count": 3], against: schema("Body")).isEmpty)
        #expect(validator.problems(["status": "ready", "count": nil], against: schema("Body")).isEmpty)
    }

    @Test func eachKeywordRejectsWhatBreaksIt() throws {
        let fraction = try JSONParser.parse(Array("1.5".utf8))
        let cases: [(JSONValue, JSONValue, String)] = [
            (["count": 3], schema("Body"), "required property status is missing"),
            (["status": "ok", "extra": 1], schema("Body"), "property extra is not allowed"),
            (["status": "gone"], schema("Body"), #""gone" is not one of"#),
            (["status": "ok", "count": "3"], schema("Body"), "is not of type integer or null"),
            (["status": "ok", "count": 0], schema("Body"), "0 < 1"),
            ("ok", ["const": "ready"], #""ok" is not "ready""#),
            (fraction, ["type": "integer"], "1.5 is not of type integer"),
            ([1, "x"], ["type": "array", "items": ["type": "integer"], "maxItems": 1], "$[1]: \"x\" is not of type integer"),
            ([1, 2], ["maxItems": 1], "2 items, more than 1"),
            ("cs_1", ["pattern": "^cs_[0-9a-f]{32}$"], "does not match"),
            ("", ["minLength": 1], "shorter than 1"),
            ("abc", ["maxLength": 2], "longer than 2"),
            (5, ["maximum": 4], "5 > 4"),
            ("x", ["anyOf": [["type": "integer"], ["const": "y"]]], "matches none of anyOf"),
            ("x", ["oneOf": [["type": "string"], ["const": "x"]]], "matches 2 of oneOf"),
            ("x", ["allOf": [["type": "string"], ["const": "y"]]], #""x" is not "y""#),
            ("x", ["$ref": "#/components/schemas/Nothing"], "points at nothing"),
            ("x", ["minProperties": 1], "schema keyword minProperties is not supported"),
        ]
        for (value, schema, expected) in cases {
            let problems = validator.problems(value, against: schema)
            #expect(problems.contains { $0.contains(expected) }, "\(problems) should mention \(expected)")
        }
    }

    @Test func theShippedErrorSchemaRejectsAWrongErrorBody() throws {
        let document = try OpenAPIDocument.shipped.get()
        let errorBody: JSONValue = ["$ref": "#/components/schemas/ErrorBody"]
        #expect(document.validator.problems(["error": ["code": "NOT_FOUND", "message": "no route"]], against: errorBody).isEmpty)
        #expect(!document.validator.problems(["error": ["code": "TEAPOT", "message": "short and stout"]], against: errorBody).isEmpty)
        #expect(!document.validator.problems(["error": ["code": "NOT_FOUND"]], against: errorBody).isEmpty)
        #expect(!document.validator.problems(["code": "NOT_FOUND", "message": "flat"], against: errorBody).isEmpty)
    }
}
