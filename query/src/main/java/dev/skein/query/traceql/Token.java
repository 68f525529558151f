package dev.skein.query.traceql;

/** A token of a TraceQL query, with where it starts. */
record Token(Kind kind, String text, int line, int column) {
  enum Kind {
    OPEN_BRACE("'{'"), CLOSE_BRACE("'}'"), OPEN_PAREN("'('"), CLOSE_PAREN("')'"), COMMA("','"), PIPE("'|'"),
    AND("'&&'"), OR("'||'"), NOT("'!'"),
    EQ("'='"), NE("'!='"), GT("'>'"), GE("'>='"), LT("'<'"), LE("'<='"), RE("'=~'"), NRE("'!~'"),
    DESC("'>>'"), ANCESTOR("'<<'"), TILDE("'~'"), NOT_CHILD("'!>'"), NOT_DESC("'!>>'"), NOT_PARENT("'!<'"),
    NOT_ANCESTOR("'!<<'"), UNION_OP("'&'"),
    PLUS("'+'"), MINUS("'-'"), STAR("'*'"), SLASH("'/'"), PERCENT("'%'"), CARET("'^'"),
    STRING("a string"), INTEGER("a number"), FLOAT("a number"), DURATION("a duration"),
    IDENTIFIER("a name"), ATTRIBUTE("an attribute"), END("the end of the query");

    final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /** How an error message names this token. */
  String describe() {
    switch (kind) {
      case END:
        return kind.description;
      case STRING:
        return "string \"" + text + "\"";
      case ATTRIBUTE:
        return "attribute " + text;
      case IDENTIFIER:
      case INTEGER:
      case FLOAT:
      case DURATION:
        return "'" + text + "'";
      default:
        return kind.description;
    }
  }
}
