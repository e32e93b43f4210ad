"""The VTL renderer: API Gateway's quirks, one case each, with where the expected output comes from
(reference §9.2-9.3; "V LS" = LocalStack snapshots recorded against AWS, "V airspeed-ext" = the fork's snapshot suite
recorded against AWS, both read, not copied)."""

from __future__ import annotations

import pytest

from nubis.gateway.mapping.templates import InputVariable, UtilVariable, escape_javascript
from nubis.gateway.mapping.vtl import MAX_FOREACH, MappingTemplateError, compile_template
from nubis.gateway.mapping.vtl_values import (
    MISSING,
    JavaString,
    JsonText,
    VtlList,
    VtlMap,
    json_document,
    json_text,
    to_vtl,
)


def params(path=None, querystring=None, header=None) -> VtlMap:
    return VtlMap(path=VtlMap(path or {}), querystring=VtlMap(querystring or {}), header=VtlMap(header or {}))


def render(template: str, body: str = "", **variables) -> str:
    namespace = {
        "input": InputVariable(body, variables.pop("params", params())),
        "util": UtilVariable(),
        "context": variables.pop("context", VtlMap()),
        "stageVariables": variables.pop("stageVariables", VtlMap()),
        **variables,
    }
    return compile_template(template).render(namespace)


# ------------------------------------------------------------------------------------------ $input.path / json


@pytest.mark.V
@pytest.mark.parametrize(
    ("template", "body", "expected"),
    [
        ('#set($r = $input.path("$.json"))$r', '{"json": {"foo": "bar"}}', "{foo=bar}"),
        ('#set($r = $input.path("$.json"))$r', '{"json": [{"foo": "bar"}]}', '[{"foo":"bar"}]'),
        ('#set($r = $input.path("$.json"))$r.nested', '{"json": {"nested": {"foo": "bar"}}}', "{foo=bar}"),
        ('#set($r = $input.path("$.json"))$r.nested', '{"json": {"nested": [{"foo": "bar"}]}}', '[{"foo":"bar"}]'),
        ('#set($r = $input.path("$.json"))$r[0]', '{"json": [{"foo": "bar"}]}', "{foo=bar}"),
        ('#set($r = $input.path("$.json"))$r[0]', '{"json": [[{"foo": "bar"}]]}', '[{"foo":"bar"}]'),
        ('#set($r = $input.path("$.json"))$r', '{"json": {"foo": [{"nested": "bar"}]}}', '{foo=[{"nested":"bar"}]}'),
        (
            '#set($r = $input.path("$.json"))$r',
            '{"json": {"bigger": "dict", "to": "test", "with": "separators"}}',
            "{bigger=dict, to=test, with=separators}",
        ),
        ('#set($r = $input.path("$.json"))$r.toString()', '{"json": {"foo": "bar"}}', "{foo=bar}"),
        (
            '#set($r = $input.path("$.json"))$r.toString()',
            '{"json": {"list": [{"foo": "bar"}]}}',
            '{list=[{"foo":"bar"}]}',
        ),
    ],
)
def test_input_path_prints_maps_java_style_and_lists_as_json(template: str, body: str, expected: str) -> None:
    """[V LS test_input_path_template_formatting]"""
    assert render(template, body) == expected


CHECKS = (
    '{"body": $r, "nested": $r.nested, "isNull": #if( $r == $null )"true"#else"false"#end, '
    '"isEmptyString": #if( $r == "" )"true"#else"false"#end}'
)


@pytest.mark.V
@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("$.nonExisting", "", '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}'),
        (
            "$.json.listValue",
            '{"json": {"listValue": []}}',
            '{"body": [], "nested": , "isNull": "false", "isEmptyString": "false"}',
        ),
        (
            "$.json.listValue",
            '{"json": {"listValue": null}}',
            '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}',
        ),
    ],
)
def test_a_missing_path_or_null_prints_nothing_and_equals_null_and_empty(path: str, body: str, expected: str) -> None:
    """[V LS test_input_path_template_formatting: empty-body, nested-empty-list, nested-null-list]"""
    assert render(f'#set($r = $input.path("{path}")){CHECKS}', body) == expected


@pytest.mark.V
@pytest.mark.parametrize(
    ("body", "raw", "attribute", "encoded"),
    [
        ("", "{}", "", "EncodedBody=%7B%7D&EncodedBodyAccess="),
        (
            '{"some": "value"}',
            '{"some": "value"}',
            "",
            "EncodedBody=%7B%22some%22%3A+%22value%22%7D&EncodedBodyAccess=",
        ),
        ("some raw data", "some raw data", "", "EncodedBody=some+raw+data&EncodedBodyAccess="),
    ],
)
def test_input_body_is_the_raw_payload_and_empty_is_braces(body: str, raw: str, attribute: str, encoded: str) -> None:
    """[V LS test_input_body_formatting: raw-body, body-attr-access, url-encode]"""
    assert render("#set($result = $input.body)$result", body) == raw
    assert render("#set($result = $input.body.testAccess)$result", body) == attribute
    template = "EncodedBody=$util.urlEncode($input.body)&EncodedBodyAccess=$util.urlEncode($input.body.testAccess)"
    assert render(template, body) == encoded
    assert render("Action=SendMessage&MessageBody=$input.body", body) == f"Action=SendMessage&MessageBody={raw}"


@pytest.mark.P
def test_input_json_shows_what_a_template_changed_through_input_path() -> None:
    """The serverless-patterns app apigw-mappingtemplate-lambda rewrites ``statuscode`` and ``body`` through
    ``$input.path('$')`` and prints ``$input.json("$")``; its README shows the changed values [P SP README]."""
    template = (
        "#set($inputRoot = $input.path('$'))\n"
        '#if($inputRoot.toString().contains("error"))\n'
        "#set($context.responseOverride.status = 400)\n"
        "#set($inputRoot.statuscode = 650)\n"
        '#set($inputRoot.body = "changed")\n'
        "#end\n"
        '$input.json("$")'
    )
    context = VtlMap(responseOverride=VtlMap(header=VtlMap(), status=None))
    out = render(template, '{"statuscode": 200, "body": "error1"}', context=context)
    assert out == '{"statuscode":650,"body":"changed"}'
    assert context["responseOverride"]["status"] == 400


@pytest.mark.P
def test_input_path_scalars_are_strings_that_still_compare_as_their_json_values() -> None:
    """``$input.path('$').id`` of ``{"id": 1}`` is the string ``"1"`` on AWS [P serverless-offline README]."""
    body = '{"id": 1, "price": 249.99, "on": false, "name": "x"}'
    assert render("$input.path('$').id", body) == "1"
    assert render("$input.path('$').id.length()", body) == "1"
    assert render("#if($input.path('$.id') == 1)one#end", body) == "one"
    assert render("#if($input.path('$.id') == '1')text#end", body) == "text"
    assert render("#if($input.path('$.price') > 100)dear#end", body) == "dear"
    assert render("#if($input.path('$.on'))on#{else}off#end", body) == "off"
    assert render("$input.json('$.price') $input.json('$.on') $input.json('$.name')", body) == '249.99 false "x"'


@pytest.mark.P
def test_input_json_of_a_missing_path_is_an_empty_json_string() -> None:
    """[P LS template_mapping.py: ``$input.json`` of nothing is ``""``]"""
    assert render("$input.json('$.nothing')", '{"a": 1}') == '""'


@pytest.mark.D
def test_input_json_and_path_follow_jayway_json_path() -> None:
    """AWS documents Jayway JsonPath: definite paths give a value, wildcards, scans and filters a list
    [D api-gateway-mapping-template-reference.md]."""
    body = '{"items": [{"id": 1, "price": 5}, {"id": 2, "price": 50}], "a": {"b": {"c": "deep"}}}'
    assert render("$input.json('$.items[*].id')", body) == "[1,2]"
    assert render("$input.json('$.items[?(@.price > 10)].id')", body) == "[2]"
    assert render("$input.json('$..c')", body) == '["deep"]'
    assert render("$input.json('$.items[1]')", body) == '{"id":2,"price":50}'
    assert render("$input.path('$.items').size()", body) == "2"
    assert render("$input.json('$')", "") == "{}"


def test_input_path_without_dollar_reads_below_the_root() -> None:
    assert render("$input.path('a.b.c')", '{"a": {"b": {"c": "deep"}}}') == "deep"


@pytest.mark.P
def test_a_body_that_is_not_json_is_text_at_the_root() -> None:
    """The Serverless Framework's form template splits ``$input.path('$')`` on ``&`` [P SF integration.js]."""
    template = "#foreach($kv in $input.path('$').split('&'))$kv.split('=')[0]:$kv.split('=')[1];#end"
    assert render(template, "a=1&b=2") == "a:1;b:2;"
    assert render("[$input.path('$.x')]", "a=1") == "[]"


# ------------------------------------------------------------------------------------------ $input.params


@pytest.mark.D
def test_params_searches_path_then_querystring_then_header() -> None:
    """[D api-gateway-mapping-template-reference.md]"""
    p = params(path={"id": "p"}, querystring={"id": "q", "only": "q"}, header={"id": "h", "X-H": "h"})
    assert render(
        "$input.params('id') $input.params('only') $input.params('X-H') [$input.params('none')]", params=p
    ) == ("p q h []")


@pytest.mark.P
def test_params_prints_its_three_maps() -> None:
    """A template printing ``$input.params()`` on AWS showed ``{path={}, querystring={...}, header={}}`` [P ISSUE
    sam-goodwin/functionless#23]."""
    p = params(querystring={"bar": "false", "foo": "true"})
    assert render("$input.params()", params=p) == "{path={}, querystring={bar=false, foo=true}, header={}}"
    assert render("$input.params().querystring.get('foo')", params=p) == "true"
    assert render("#foreach($k in $input.params().querystring.keySet())$k#end", params=p) == "barfoo"


# ------------------------------------------------------------------------------------------ $util


@pytest.mark.D
def test_escape_javascript_escapes_single_quotes_which_templates_undo() -> None:
    """``'`` becomes ``\\'`` (invalid JSON), undone with ``.replaceAll("\\\\'","'")`` [D reference]."""
    assert render("$util.escapeJavaScript($s)", s='it\'s "x"') == 'it\\\'s \\"x\\"'
    assert render('$util.escapeJavaScript($s).replaceAll("\\\\\'","\'")', s="it's") == "it's"


def test_escape_javascript_escapes_like_commons_lang() -> None:
    assert escape_javascript("a/b\\c\n\t\x01é😀") == "a\\/b\\\\c\\n\\t\\u0001\\u00E9\\uD83D\\uDE00"
    assert escape_javascript(None) == ""


@pytest.mark.D
def test_parse_json_gives_navigable_values() -> None:
    """The reference's example: ``$util.parseJson($input.path('$.errorMessage')).key2.arr[0]`` is ``1`` [D]."""
    body = '{"errorMessage": "{\\"key1\\":\\"var1\\",\\"key2\\":{\\"arr\\":[1,2,3]}}"}'
    template = "#set($o = $util.parseJson($input.path('$.errorMessage')))$o.key2.arr[0] $o.key1 $o"
    assert render(template, body) == "1 var1 {key1=var1, key2={arr=[1,2,3]}}"


@pytest.mark.D
def test_url_and_base64_helpers() -> None:
    """[D reference: urlEncode is application/x-www-form-urlencoded, UTF-8 throughout]"""
    assert render("$util.urlEncode('a b&c=d~*é')") == "a+b%26c%3Dd%7E*%C3%A9"
    assert render("$util.urlDecode('a+b%26c')") == "a b&c"
    assert render("$util.base64Encode('héllo')") == "aMOpbGxv"
    assert render("$util.base64Decode('aMOpbGxv')") == "héllo"


# ------------------------------------------------------------------------------------------ the language


@pytest.mark.V
def test_undefined_references_print_nothing_and_booleans_print_lowercase() -> None:
    """[V airspeed-ext snapshot: test_silent_substitution_for_unmatched_values, booleans]"""
    assert render("[$missing][${missing}][$!missing][$t][$f]", t=True, f=False) == "[][][][true][false]"


@pytest.mark.V
def test_negating_null_is_false() -> None:
    """[V airspeed-ext snapshot test_logical_negation_operator: ``#if(!$value)`` with null renders nothing]"""
    assert render("#if(!$v)yes#end", v=None) == ""
    assert render("#if(!$v)yes#end", v=False) == "yes"


@pytest.mark.V
def test_maps_assign_through_brackets_put_and_dotted_paths() -> None:
    """[V LS test_integration_mock_with_vtl_map_assignation]"""
    context = VtlMap(requestOverride=VtlMap(querystring=VtlMap()))
    template = (
        '#set($paramName = "foo")#set($context.requestOverride.querystring[$paramName] = "bar")'
        '$context.requestOverride.querystring.put("putfoo", "putBar")'
        '#set($context["requestOverride"].querystring["nestedfoo"] = "nestedFoo")'
    )
    assert render(template, context=context) == ""
    assert dict(context["requestOverride"]["querystring"]) == {
        "foo": "bar",
        "putfoo": "putBar",
        "nestedfoo": "nestedFoo",
    }


@pytest.mark.P
def test_hyphenated_names_set_a_response_header_override() -> None:
    """The Serverless Framework's CORS template sets ``$context.responseOverride.header.Access-Control-Allow-Origin``
    [P SF cors.js]."""
    context = VtlMap(responseOverride=VtlMap(header=VtlMap(), status=None))
    template = (
        '#set($origin = "https://a.test")#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)'
    )
    render(template, context=context)
    assert context["responseOverride"]["header"] == {"Access-Control-Allow-Origin": "https://a.test"}


@pytest.mark.D
def test_stage_variables_three_ways() -> None:
    """[D reference: $stageVariables.x, $stageVariables['x'], ${stageVariables['x']}]"""
    variables = VtlMap(color=JavaString("blue"))
    assert render(
        "$stageVariables.color $stageVariables['color'] ${stageVariables['color']}", stageVariables=variables
    ) == ("blue blue blue")


@pytest.mark.P
def test_java_string_methods() -> None:
    """The String methods templates call [P LS templating.py, reference §9.2]."""
    s = JavaString("  Hello, World  ")
    assert render("[$s.trim()][$s.toUpperCase()][$s.toLowerCase()][$s.length()]", s=s) == (
        "[Hello, World][  HELLO, WORLD  ][  hello, world  ][16]"
    )
    t = JavaString("a1b22c")
    assert render("$t.replaceAll('(\\d+)', '<$1>') $t.contains('b2') $t.substring(1, 3) $t.indexOf('b')", t=t) == (
        "a<1>b<22>c true 1b 2"
    )
    assert (
        render("$t.matches('a.*') $t.matches('b') $t.startsWith('a1') $t.endsWith('c')", t=t) == "true false true true"
    )
    assert render("$u.split(',').size()", u=JavaString("a,b,,")) == "2"


def test_maps_and_lists_answer_java_collection_methods() -> None:
    m = to_vtl({"a": 1, "b": [1, 2]})
    assert render("$m.size() $m.containsKey('a') $m.keySet() $m.isEmpty() $m.b.size() $m.b.get(1)", m=m) == (
        "2 true [a, b] false 2 2"
    )


def test_foreach_stops_at_a_thousand_iterations() -> None:
    """API Gateway's limit is 1 000 iterations [D limits.md]; that the loop stops there rather than failing the
    template is our reading of Velocity's ``directive.foreach.maxloops`` [?]."""
    assert render("#foreach($i in [1..5000])#if(!$foreach.hasNext)$foreach.count#end#end") == str(MAX_FOREACH)
    nested = "#foreach($i in [1..2])#foreach($j in [1..1200])#if(!$foreach.hasNext)$foreach.count;#end#end#end"
    assert render(nested) == "1000;1000;"


def test_foreach_over_a_map_gives_its_values() -> None:
    """Velocity iterates a ``Map``'s values [?]."""
    assert render("#foreach($v in $m)$v,#end", m=to_vtl({"a": 1, "b": 2})) == "1,2,"


def test_a_template_that_does_not_parse_or_fails_is_a_mapping_template_error() -> None:
    with pytest.raises(MappingTemplateError):
        compile_template("#if($x")
    with pytest.raises(MappingTemplateError):
        render("$util.parseJson('{not json')")
    with pytest.raises(MappingTemplateError):
        compile_template("x" * (300 * 1024 + 1))


def test_values_round_trip_to_json() -> None:
    tree = to_vtl({"a": [1, 2.5, True, None, "x"], "b": {"c": "d"}})
    assert json_text(tree) == '{"a":[1,2.5,true,null,"x"],"b":{"c":"d"}}'
    assert isinstance(tree["a"], VtlList) and isinstance(tree["b"], VtlMap)
    assert isinstance(tree["a"][0], JsonText) and tree["a"][3] is MISSING
    assert str(tree) == '{a=[1,2.5,true,null,"x"], b={c=d}}'


def test_json_documents_keep_integers_past_64_bits_exact() -> None:
    """``$input.path``/``$util.parseJson`` read bodies exactly (orjson alone would turn 2**64 into a float)."""
    assert json_document(b'{"id": 123456789012345678901234}') == {"id": 123456789012345678901234}
    assert json_document('{"big": 18446744073709551616, "small": 1}') == {"big": 2**64, "small": 1}
    with pytest.raises(ValueError):
        json_document(b"{not json")
