package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.edgeseg.fundus.json.Json;
import org.junit.Test;

public class JsonTest {
    @Test
    public void parsesNestedValues() {
        Map<String, Object> value = Json.parseObject(
                "{\"a\": [1, -2.5e1, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": [], \"f\": {}}");
        assertEquals(Arrays.asList(1.0, -25.0, true, false, null), value.get("a"));
        assertEquals(Map.of("c", "d"), value.get("b"));
        assertEquals(List.of(), value.get("e"));
        assertEquals(Map.of(), value.get("f"));
    }

    @Test
    public void keepsKeyOrder() {
        assertEquals(Arrays.asList("MA", "HE", "EX", "SE"),
                List.copyOf(Json.parseObject("{\"MA\": 1, \"HE\": 2, \"EX\": 3, \"SE\": 4}").keySet()));
    }

    @Test
    public void decodesEscapes() {
        assertEquals("quote \" slash / backslash \\ tab \t newline \n e\u0301 \u00e9",
                Json.parse("\"quote \\\" slash \\/ backslash \\\\ tab \\t newline \\n e\\u0301 \\u00e9\""));
    }

    @Test
    public void parsesNull() {
        assertNull(Json.parse(" null "));
    }

    @Test
    public void rejectsMalformedDocuments() {
        for (String text : new String[] {"{", "[1,]x", "{\"a\" 1}", "\"open", "tru", "{} {}", "[1 2]"}) {
            assertThrows(text, IllegalArgumentException.class, () -> Json.parse(text));
        }
    }
}
