package io.ironcage.router.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ironcage.router.core.RandomCases;
import io.ironcage.router.core.RandomJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The byte scan behind {@link Json#topLevelField} gives what Jackson's parser gives ({@link
 * Json#topLevelFieldParsed}), on valid documents, on every kind of broken one, and on random
 * documents and random damage to them.
 */
class JsonScanTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<ObjectNode> ANSWERS = RandomJson.goldenFiles("response.openai.json");
    private static final byte[] DAMAGE =
            "{}[]\",:\\ \t\n\r0123456789.eE+-tfnulrsaxX/bu\u007f"
                    .getBytes(StandardCharsets.ISO_8859_1);

    private static void agrees(String json) {
        agrees(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void agrees(byte[] json) {
        Optional<JsonNode> expected = Json.topLevelFieldParsed(json, "usage");
        assertEquals(
                expected,
                Json.topLevelField(json, "usage"),
                () -> "on " + new String(json, StandardCharsets.ISO_8859_1));
    }

    @Test
    void findsTheFieldWhereverItIs() {
        Optional<JsonNode> usage =
                Json.topLevelField(
                        bytes(
                                "\uFEFF {\"id\":\"x\",\"choices\":[{\"usage\":1}],"
                                        + "\"usage\" : {\"prompt_tokens\":3} ,\"model\":\"m\"} tail"),
                        "usage");
        assertEquals("{\"prompt_tokens\":3}", usage.orElseThrow().toString());
        assertEquals(
                "2",
                Json.topLevelField(bytes("{\"usage\":1,\"usage\":2}"), "usage")
                        .orElseThrow()
                        .toString(),
                "the last of duplicates, as readTree");
    }

    @Test
    void agreesWithJacksonOnValidAndBrokenDocuments() {
        for (String json :
                new String[] {
                    "",
                    " ",
                    "[]",
                    "\"usage\"",
                    "{}",
                    "{ }",
                    "{\"usage\":null}",
                    "{\"usage\":true}",
                    "{\"usage\":false}",
                    "{\"usage\":-0.5e+10}",
                    "{\"usage\":\"\\u00e9\\n\\\"\"}",
                    "{\"usage\":{\"a\":[1,2,{\"b\":[]}]}}",
                    "{\"usage\":{}} trailing garbage ]]]",
                    "{\"usage\":{}}{\"usage\":1}",
                    "{\"usage\":1",
                    "{\"usage\":",
                    "{\"usage\"",
                    "{\"usa",
                    "{\"a\":1,}",
                    "{,\"usage\":1}",
                    "{\"a\":[1,],\"usage\":1}",
                    "{\"a\":[,1],\"usage\":1}",
                    "{\"a\":01,\"usage\":1}",
                    "{\"a\":-01,\"usage\":1}",
                    "{\"a\":1.,\"usage\":1}",
                    "{\"a\":.5,\"usage\":1}",
                    "{\"a\":+1,\"usage\":1}",
                    "{\"a\":1e,\"usage\":1}",
                    "{\"a\":1e+,\"usage\":1}",
                    "{\"a\":-,\"usage\":1}",
                    "{\"a\":NaN,\"usage\":1}",
                    "{\"a\":tru,\"usage\":1}",
                    "{\"a\":truex,\"usage\":1}",
                    "{\"a\":nul,\"usage\":1}",
                    "{\"a\":true\"b\":1,\"usage\":1}",
                    "{\"a\":1\"b\":1,\"usage\":1}",
                    "{a:1,\"usage\":1}",
                    "{'a':1,\"usage\":1}",
                    "{\"a\":'x',\"usage\":1}",
                    "{\"a\":\"\\x\",\"usage\":1}",
                    "{\"a\":\"\\u12\",\"usage\":1}",
                    "{\"a\":\"\\u12g4\",\"usage\":1}",
                    "{\"a\":\"tab\there\",\"usage\":1}",
                    "{\"a\":\"x\" /* c */,\"usage\":1}",
                    "{\"a\":1 // c\n,\"usage\":1}",
                    "{\"a\"\u000b:1,\"usage\":1}",
                    "{\"a\":[1}],\"usage\":1}",
                    "{\"a\":{\"b\":1]},\"usage\":1}",
                    "{\"a\":{1:2},\"usage\":1}",
                    "{\"us\\u0061ge\":7}",
                    "{\"usage\":1,\"us\\u0061ge\":7}",
                    "{\"\u00fcsage\":1,\"usage\":2}",
                    "{\"usage\":[\"\u00e9\u4e2d\ud83d\ude00\"]}",
                    "{\"a\":123456789012345678901234567890,\"usage\":1.5e-300}",
                    "{\"usage\":[1E+400,-1e400,-0.0,0,-0,1e2,2147483647,2147483648,-2147483648,"
                            + "-2147483649,9223372036854775807,9223372036854775808,"
                            + "-9223372036854775808,-9223372036854775809,123456789012345678,"
                            + "-123456789012345678,1234567890123456789,4.9E-324,1e-400]}",
                    "{\"usage\":{\"a\":1,\"a\":{\"b\":[true,false,null,\"\"]},\"\":\"x\"}}",
                    "{\"usage\":{\"a\":\"caf\u00e9\"}}",
                    "{\"usage\":{\"a\":\"line\\nbreak\"}}",
                }) {
            agrees(json);
        }
    }

    @Test
    void agreesOnBytesThatAreNotUtf8() {
        byte[][] cases = {
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0xA9, '"', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0xF0, (byte) 0x9F, (byte) 0x98, '"', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0x80, '"', '}'},
            {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'},
            {'{', '"', (byte) 0xC3, '"', ':', '1', '}'},
            {'{', '"', (byte) 0xC1, (byte) 0xB5, 's', 'a', 'g', 'e', '"', ':', '1', '}'},
            {'{', '"', 'a', '"', ':', '"', 0, '"', '}'},
            {0, '{', 0, '}'},
            {'{', 0, '}', 0},
            {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'},
            {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0},
            {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'},
        };
        for (byte[] json : cases) {
            agrees(json);
        }
        agrees(utf16("{\"usage\":{\"prompt_tokens\":1}}"));
    }

    @Test
    void agreesAtTheNestingLimit() {
        for (int depth : new int[] {998, 999, 1000, 1001}) {
            String nested = "[".repeat(depth - 1) + "]".repeat(depth - 1);
            agrees("{\"a\":" + nested + ",\"usage\":1}");
            agrees("{\"usage\":" + nested + "}");
        }
    }

    @Test
    void agreesOnAStringInTheUsageOverJacksonsStringLimit() {
        // Jackson refuses to decode a string over StreamReadConstraints' 20,000,000 characters;
        // strings skipped outside the field are not decoded, so only the field's own count
        for (int length : new int[] {20_000_000, 20_000_001}) {
            String text = "a".repeat(length);
            agrees("{\"usage\":{\"s\":\"" + text + "\"}}");
            agrees("{\"usage\":\"" + text + "\"}");
            agrees("{\"a\":\"" + text + "\",\"usage\":1}");
        }
    }

    @Test
    void agreesOnLongNumbersAndNames() {
        String digits = "1".repeat(1_001);
        agrees("{\"a\":" + digits + ",\"usage\":1}");
        agrees("{\"a\":1." + digits + ",\"usage\":1}");
        agrees("{\"" + "n".repeat(50_001) + "\":1,\"usage\":1}");
    }

    @Test
    void agreesOnRandomAnswersAndRandomDamage() {
        int[] decidedByTheScan = new int[1];
        RandomCases.forAll(
                3_000,
                random -> {
                    ObjectNode answer = random.bool() ? random.mutated(ANSWERS) : random.object(4);
                    if (random.weighted(3, 1) == 0) {
                        answer.set("usage", random.value(3));
                    }
                    byte[] json = spaced(random, write(answer));
                    return random.weighted(1, 3) == 0 ? json : damaged(random, json);
                },
                json -> {
                    agrees(json);
                    if (JsonScan.find(json, "usage") != JsonScan.ASK_JACKSON) {
                        decidedByTheScan[0]++;
                    }
                });
        // the rest have names with escapes or non-ASCII bytes, which Jackson decides
        assertTrue(decidedByTheScan[0] > 1_500, "decided by the scan: " + decidedByTheScan[0]);
    }

    /** The document with whitespace of every kind JSON allows added between tokens. */
    private static byte[] spaced(RandomJson random, byte[] json) {
        if (random.bool()) {
            return json;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean inString = false;
        for (int i = 0; i < json.length; i++) {
            byte c = json[i];
            out.write(c);
            if (c == '"' && !escaped(json, i)) {
                inString = !inString;
            }
            if (!inString && (c == ',' || c == ':' || c == '{' || c == '[') && random.bool()) {
                out.writeBytes(
                        random.pick(List.of(" ", "\n", "\r\n", "\t", "  \n\t"))
                                .getBytes(StandardCharsets.US_ASCII));
            }
        }
        return out.toByteArray();
    }

    private static boolean escaped(byte[] json, int quote) {
        int backslashes = 0;
        for (int i = quote - 1; i >= 0 && json[i] == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** One to three byte changes: a cut, a byte replaced, inserted or removed. */
    private static byte[] damaged(RandomJson random, byte[] json) {
        byte[] out = json;
        for (int n = random.between(1, 3); n > 0 && out.length > 0; n--) {
            int at = random.between(0, out.length - 1);
            byte b =
                    random.weighted(4, 1) == 0
                            ? DAMAGE[random.between(0, DAMAGE.length - 1)]
                            : (byte) random.between(0, 255);
            switch (random.between(0, 3)) {
                case 0 -> out = Arrays.copyOf(out, at);
                case 1 -> {
                    out = out.clone();
                    out[at] = b;
                }
                case 2 -> {
                    byte[] longer = new byte[out.length + 1];
                    System.arraycopy(out, 0, longer, 0, at);
                    longer[at] = b;
                    System.arraycopy(out, at, longer, at + 1, out.length - at);
                    out = longer;
                }
                default -> {
                    byte[] shorter = new byte[out.length - 1];
                    System.arraycopy(out, 0, shorter, 0, at);
                    System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
                    out = shorter;
                }
            }
        }
        return out;
    }

    @Test
    void everyWholeAnswerWithAUsageHasItFound() {
        int[] readable = new int[1];
        RandomCases.forAll(
                300,
                random -> {
                    ObjectNode answer = random.mutated(ANSWERS);
                    answer.set("usage", random.value(2));
                    return write(answer);
                },
                json -> {
                    JsonNode whole;
                    try {
                        whole = MAPPER.readTree(json);
                    } catch (Exception e) {
                        return; // a generated name Jackson writes but will not read back
                    }
                    readable[0]++;
                    assertEquals(
                            Optional.of(whole.get("usage")), Json.topLevelField(json, "usage"));
                });
        assertTrue(readable[0] > 200, "cases Jackson reads: " + readable[0]);
    }

    private static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] utf16(String text) {
        return text.getBytes(StandardCharsets.UTF_16BE);
    }
}
