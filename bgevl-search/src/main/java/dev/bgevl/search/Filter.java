package dev.bgevl.search;

import dev.bgevl.BgeVlException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.BytesRef;

/**
 * The metadata filter language, parsed into a Lucene query.
 *
 * <pre>
 * expr       := or
 * or         := and ( ("OR" | "||") and )*
 * and        := unary ( ("AND" | "&amp;&amp;") unary )*
 * unary      := ("NOT" | "!") unary | "(" expr ")" | comparison
 * comparison := FIELD op value | FIELD "IN" "(" value ("," value)* ")"
 * op         := "=" | "==" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;="
 * value      := "double quoted" | 'single quoted' | number | true | false
 * FIELD      := letter or _ then letters, digits, _ . -
 * </pre>
 *
 * Keywords are case-insensitive. Built-in fields: {@code id}, {@code path}, {@code kind},
 * {@code source} (strings) and {@code size}, {@code mtime} (numbers); any other name is a key of the
 * record's {@code metadata}. A number compares numerically against numeric metadata, a string
 * compares exactly (or lexicographically with &lt; &gt;) against string metadata. {@code a != v}
 * and {@code NOT} match documents that lack the field too.
 */
public final class Filter {
  private static final Set<String> BUILTIN_STRINGS = Set.of(IndexFormat.ID, IndexFormat.PATH, IndexFormat.KIND, IndexFormat.SOURCE);
  private static final Set<String> BUILTIN_LONGS = Set.of(IndexFormat.SIZE, IndexFormat.MTIME);

  private final String src;
  private final List<Tok> toks;
  private int p;

  private Filter(String src) {
    this.src = src;
    this.toks = lex(src);
  }

  /** Parses {@code expr}; a syntax error throws one line with the 1-based column. */
  public static Query parse(String expr) {
    if (expr == null || expr.isBlank()) {
      throw new BgeVlException("bad filter: the expression is empty");
    }
    Filter f = new Filter(expr);
    Query q = f.or();
    Tok t = f.peek();
    if (t.type != T.END) throw f.error(t, "unexpected " + t.describe() + " (expected AND, OR or the end)");
    return q;
  }

  private enum T { IDENT, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, AND, OR, NOT, IN, TRUE, FALSE, END }

  private record Tok(T type, String text, int pos) {
    String describe() {
      return type == T.END ? "end of expression" : type == T.STRING ? "\"" + text + "\"" : "'" + text + "'";
    }
  }

  private BgeVlException error(Tok at, String what) {
    return new BgeVlException("bad filter at column " + (at.pos + 1) + ": " + what + " in: " + src);
  }

  private Tok peek() {
    return toks.get(p);
  }

  private Tok next() {
    return toks.get(p++);
  }

  private Query or() {
    List<Query> parts = new ArrayList<>();
    parts.add(and());
    while (peek().type == T.OR) {
      next();
      parts.add(and());
    }
    if (parts.size() == 1) return parts.get(0);
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (Query q : parts) b.add(q, Occur.SHOULD);
    b.setMinimumNumberShouldMatch(1);
    return b.build();
  }

  private Query and() {
    List<Query> parts = new ArrayList<>();
    parts.add(unary());
    while (peek().type == T.AND) {
      next();
      parts.add(unary());
    }
    if (parts.size() == 1) return parts.get(0);
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (Query q : parts) b.add(q, Occur.FILTER);
    return b.build();
  }

  private Query unary() {
    Tok t = peek();
    switch (t.type) {
      case NOT -> {
        next();
        return not(unary());
      }
      case LPAREN -> {
        next();
        Query q = or();
        Tok close = next();
        if (close.type != T.RPAREN) throw error(close, "expected ')' to close the '(' at column " + (t.pos + 1) + ", found " + close.describe());
        return q;
      }
      case IDENT -> {
        return comparison();
      }
      default -> throw error(t, "expected a field name, NOT or '(', found " + t.describe());
    }
  }

  private static Query not(Query q) {
    return new BooleanQuery.Builder().add(MatchAllDocsQuery.INSTANCE, Occur.FILTER).add(q, Occur.MUST_NOT).build();
  }

  private Query comparison() {
    Tok field = next();
    Tok op = next();
    if (op.type == T.IN) {
      Tok open = next();
      if (open.type != T.LPAREN) throw error(open, "expected '(' after IN, found " + open.describe());
      List<Tok> values = new ArrayList<>();
      values.add(value());
      while (peek().type == T.COMMA) {
        next();
        values.add(value());
      }
      Tok close = next();
      if (close.type != T.RPAREN) throw error(close, "expected ',' or ')' in the IN list, found " + close.describe());
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      for (Tok v : values) b.add(equal(field, v), Occur.SHOULD);
      return b.setMinimumNumberShouldMatch(1).build();
    }
    if (op.type != T.OP) throw error(op, "expected an operator (= != < <= > >= IN) after field '" + field.text + "', found " + op.describe());
    Tok v = value();
    return switch (op.text) {
      case "=", "==" -> equal(field, v);
      case "!=" -> not(equal(field, v));
      default -> range(field, op, v);
    };
  }

  private Tok value() {
    Tok v = next();
    if (v.type != T.STRING && v.type != T.NUMBER && v.type != T.TRUE && v.type != T.FALSE) {
      throw error(v, "expected a value (a \"string\", a number, true or false), found " + v.describe());
    }
    return v;
  }

  private Query equal(Tok field, Tok v) {
    String name = field.text;
    if (BUILTIN_LONGS.contains(name)) {
      return LongPoint.newExactQuery(name, longValue(field, v));
    }
    if (BUILTIN_STRINGS.contains(name)) {
      if (v.type == T.NUMBER) throw error(v, "field '" + name + "' holds strings: quote the value");
      return new TermQuery(new Term(name, v.text));
    }
    if (v.type == T.NUMBER) return DoublePoint.newExactQuery(IndexFormat.NUMERIC_PREFIX + name, Double.parseDouble(v.text));
    return new TermQuery(new Term(IndexFormat.KEYWORD_PREFIX + name, v.text));
  }

  private Query range(Tok field, Tok op, Tok v) {
    String name = field.text;
    boolean lower = op.text.startsWith(">");
    boolean inclusive = op.text.endsWith("=");
    if (BUILTIN_LONGS.contains(name)) {
      long x = longValue(field, v);
      if (lower) return LongPoint.newRangeQuery(name, inclusive ? x : Math.addExact(x, 1), Long.MAX_VALUE);
      return LongPoint.newRangeQuery(name, Long.MIN_VALUE, inclusive ? x : Math.subtractExact(x, 1));
    }
    if (v.type == T.NUMBER) {
      if (BUILTIN_STRINGS.contains(name)) throw error(v, "field '" + name + "' holds strings: quote the value");
      double x = Double.parseDouble(v.text);
      String f = IndexFormat.NUMERIC_PREFIX + name;
      if (lower) return DoublePoint.newRangeQuery(f, inclusive ? x : Math.nextUp(x), Double.POSITIVE_INFINITY);
      return DoublePoint.newRangeQuery(f, Double.NEGATIVE_INFINITY, inclusive ? x : Math.nextDown(x));
    }
    if (v.type != T.STRING) throw error(v, "'" + op.text + "' needs a number or a string, found " + v.describe());
    String f = BUILTIN_STRINGS.contains(name) ? name : IndexFormat.KEYWORD_PREFIX + name;
    BytesRef b = new BytesRef(v.text);
    return lower ? new TermRangeQuery(f, b, null, inclusive, false) : new TermRangeQuery(f, null, b, false, inclusive);
  }

  private long longValue(Tok field, Tok v) {
    if (v.type != T.NUMBER) throw error(v, "field '" + field.text + "' holds numbers, found " + v.describe());
    try {
      return Long.parseLong(v.text);
    } catch (NumberFormatException e) {
      throw error(v, "field '" + field.text + "' holds whole numbers, found " + v.describe());
    }
  }

  // ---- lexer ----

  private List<Tok> lex(String s) {
    List<Tok> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '(') {
        out.add(new Tok(T.LPAREN, "(", i++));
      } else if (c == ')') {
        out.add(new Tok(T.RPAREN, ")", i++));
      } else if (c == ',') {
        out.add(new Tok(T.COMMA, ",", i++));
      } else if (c == '"' || c == '\'') {
        int start = i++;
        StringBuilder sb = new StringBuilder();
        while (true) {
          if (i >= n) throw new BgeVlException("bad filter at column " + (start + 1) + ": unterminated string in: " + s);
          char d = s.charAt(i++);
          if (d == c) break;
          if (d == '\\' && i < n) d = s.charAt(i++);
          sb.append(d);
        }
        out.add(new Tok(T.STRING, sb.toString(), start));
      } else if (c == '&' || c == '|') {
        if (i + 1 < n && s.charAt(i + 1) == c) {
          out.add(new Tok(c == '&' ? T.AND : T.OR, "" + c + c, i));
          i += 2;
        } else {
          throw new BgeVlException("bad filter at column " + (i + 1) + ": unexpected '" + c + "' (did you mean '" + c + c + "'?) in: " + s);
        }
      } else if (c == '=' || c == '<' || c == '>' || c == '!') {
        int start = i++;
        if (i < n && s.charAt(i) == '=') i++;
        String op = s.substring(start, i);
        if (op.equals("!")) out.add(new Tok(T.NOT, op, start));
        else out.add(new Tok(T.OP, op, start));
      } else if (Character.isDigit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < n
          && (Character.isDigit(s.charAt(i + 1)) || s.charAt(i + 1) == '.'))) {
        int start = i++;
        while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.'
            || ((s.charAt(i) == '-' || s.charAt(i) == '+') && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')))) {
          i++;
        }
        String num = s.substring(start, i);
        try {
          double d = Double.parseDouble(num);
          if (!Double.isFinite(d)) throw new NumberFormatException();
        } catch (NumberFormatException e) {
          throw new BgeVlException("bad filter at column " + (start + 1) + ": '" + num + "' is not a number in: " + s);
        }
        out.add(new Tok(T.NUMBER, num, start));
      } else if (Character.isLetter(c) || c == '_') {
        int start = i++;
        while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || "_.-".indexOf(s.charAt(i)) >= 0)) i++;
        String w = s.substring(start, i);
        T type = switch (w.toUpperCase(Locale.ROOT)) {
          case "AND" -> T.AND;
          case "OR" -> T.OR;
          case "NOT" -> T.NOT;
          case "IN" -> T.IN;
          case "TRUE" -> T.TRUE;
          case "FALSE" -> T.FALSE;
          default -> T.IDENT;
        };
        out.add(new Tok(type, type == T.TRUE || type == T.FALSE ? w.toLowerCase(Locale.ROOT) : w, start));
      } else {
        throw new BgeVlException("bad filter at column " + (i + 1) + ": unexpected character '" + c + "' in: " + s);
      }
    }
    out.add(new Tok(T.END, "", n));
    return out;
  }
}
