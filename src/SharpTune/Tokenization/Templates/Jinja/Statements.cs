namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>A statement node of a parsed template.</summary>
internal abstract record Stmt(SourcePosition Position);

/// <summary>Literal template text.</summary>
internal sealed record TextStmt(SourcePosition Position, string Text) : Stmt(Position);

/// <summary><c>{{ expr }}</c> (or <c>{% print expr %}</c>).</summary>
internal sealed record OutputStmt(SourcePosition Position, Expr Value) : Stmt(Position);

/// <summary><c>{% if %}…{% elif %}…{% else %}…{% endif %}</c>; elif branches are nested <see cref="IfStmt"/>s in <see cref="Else"/>.</summary>
internal sealed record IfStmt(SourcePosition Position, Expr Test, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else) : Stmt(Position);

/// <summary><c>{% for target in iterable if filter %}…{% else %}…{% endfor %}</c>.</summary>
internal sealed record ForStmt(SourcePosition Position, Expr Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else) : Stmt(Position);

/// <summary><c>{% set target = value %}</c>.</summary>
internal sealed record SetStmt(SourcePosition Position, Expr Target, Expr Value) : Stmt(Position);

/// <summary><c>{% set target | filter %}body{% endset %}</c>.</summary>
internal sealed record SetBlockStmt(SourcePosition Position, Expr Target, FilterExpr? Filter, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary>A macro's or call block's parameters, with defaults for the trailing ones.</summary>
internal sealed record Parameter(string Name, Expr? Default);

/// <summary><c>{% macro name(params) %}…{% endmacro %}</c>.</summary>
internal sealed record MacroStmt(SourcePosition Position, string Name, IReadOnlyList<Parameter> Parameters, IReadOnlyList<Stmt> Body,
    bool UsesVarargs, bool UsesKwargs, bool UsesCaller) : Stmt(Position);

/// <summary><c>{% call(params) macro(args) %}body{% endcall %}</c>: the body becomes <c>caller()</c>.</summary>
internal sealed record CallBlockStmt(SourcePosition Position, CallExpr Call, IReadOnlyList<Parameter> Parameters, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary><c>{% filter name %}…{% endfilter %}</c>.</summary>
internal sealed record FilterBlockStmt(SourcePosition Position, FilterExpr Filter, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary><c>{% with a = 1 %}…{% endwith %}</c>.</summary>
internal sealed record WithStmt(SourcePosition Position, IReadOnlyList<(Expr Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary>A body rendered in its own scope: transformers' <c>{% generation %}…{% endgeneration %}</c>.</summary>
internal sealed record ScopeStmt(SourcePosition Position, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary><c>{% break %}</c>.</summary>
internal sealed record BreakStmt(SourcePosition Position) : Stmt(Position);

/// <summary><c>{% continue %}</c>.</summary>
internal sealed record ContinueStmt(SourcePosition Position) : Stmt(Position);
