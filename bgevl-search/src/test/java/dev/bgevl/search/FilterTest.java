package dev.bgevl.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bgevl.BgeVlException;
import org.junit.jupiter.api.Test;

class FilterTest {
  static String error(String expr) {
    return assertThrows(BgeVlException.class, () -> Filter.parse(expr)).getMessage();
  }

  @Test
  void parsesIntoLuceneQueries() {
    assertEquals("#m.color:red #n.price:[-Infinity TO 19.999999999999996]", Filter.parse("color = \"red\" AND price < 20").toString());
    assertEquals("(m.a:x m.b:y)~1", Filter.parse("a = 'x' or b = \"y\"").toString());
    assertEquals("#*:* -m.a:x", Filter.parse("NOT a = \"x\"").toString());
    assertEquals("size:[1024 TO 9223372036854775807]", Filter.parse("size >= 1024").toString());
    assertEquals("#((m.a:x m.a:y)~1) #n.p:[5.0 TO 5.0]", Filter.parse("a IN ('x', \"y\") && (p == 5)").toString());
    assertEquals("m.q:he said \"hi\"", Filter.parse("q = \"he said \\\"hi\\\"\"").toString());
    assertEquals("m.flag:true", Filter.parse("flag = TRUE").toString());
    assertEquals("n.t:[1.5E-5 TO Infinity]", Filter.parse("t >= 1.5e-5").toString());
  }

  @Test
  void badExpressionsGiveOneLineWithTheColumn() {
    assertEquals("bad filter at column 26: expected a value (a \"string\", a number, true or false), found end of expression in: color = \"red\" AND price <",
        error("color = \"red\" AND price <"));
    assertEquals("bad filter at column 7: expected an operator (= != < <= > >= IN) after field 'color', found \"red\" in: color \"red\"",
        error("color \"red\""));
    assertEquals("bad filter at column 9: unterminated string in: color = \"red", error("color = \"red"));
    assertEquals("bad filter at column 7: expected ')' to close the '(' at column 1, found end of expression in: (a = 1", error("(a = 1"));
    assertEquals("bad filter at column 7: unexpected character '@' in: a = 1 @", error("a = 1 @"));
    assertEquals("bad filter at column 7: unexpected 'b' (expected AND, OR or the end) in: a = 1 b = 2", error("a = 1 b = 2"));
    assertEquals("bad filter at column 3: unexpected '&' (did you mean '&&'?) in: a & b", error("a & b"));
    assertEquals("bad filter at column 8: field 'size' holds numbers, found \"big\" in: size > \"big\"", error("size > \"big\""));
    assertEquals("bad filter at column 6: field 'kind' holds strings: quote the value in: kind=1", error("kind=1"));
    assertEquals("bad filter: the expression is empty", error("  "));
    assertEquals("bad filter at column 1: expected a field name, NOT or '(', found '=' in: = 3", error("= 3"));
  }
}
