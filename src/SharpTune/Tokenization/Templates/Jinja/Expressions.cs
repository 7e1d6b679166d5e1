namespace SharpTune.Tokenization.Templates.Jinja;

/// <summary>An expression node of a parsed template; <see cref="Position"/> is where it starts.</summary>
internal abstract record Expr(SourcePosition Position);

/// <summary>A literal: string, number, true/false/none.</summary>
internal sealed record ConstExpr(SourcePosition Position, object? Value) : Expr(Position);

/// <summary>A variable name.</summary>
internal sealed record NameExpr(SourcePosition Position, string Name) : Expr(Position);

/// <summary><c>[a, b]</c>.</summary>
internal sealed record ListExpr(SourcePosition Position, IReadOnlyList<Expr> Items) : Expr(Position);

/// <summary><c>(a, b)</c> or a bare <c>a, b</c>.</summary>
internal sealed record TupleExpr(SourcePosition Position, IReadOnlyList<Expr> Items) : Expr(Position);

/// <summary><c>{k: v}</c>.</summary>
internal sealed record DictExpr(SourcePosition Position, IReadOnlyList<(Expr Key, Expr Value)> Pairs) : Expr(Position);

/// <summary><c>obj.name</c>: attribute first, then item.</summary>
internal sealed record GetAttrExpr(SourcePosition Position, Expr Target, string Name) : Expr(Position);

/// <summary><c>obj[key]</c>: item first, then attribute.</summary>
internal sealed record GetItemExpr(SourcePosition Position, Expr Target, Expr Key) : Expr(Position);

/// <summary><c>start:stop:step</c> inside brackets.</summary>
internal sealed record SliceExpr(SourcePosition Position, Expr? Start, Expr? Stop, Expr? Step) : Expr(Position);

/// <summary>The arguments of a call, filter or test: positional, keyword, <c>*args</c>, <c>**kwargs</c>.</summary>
internal sealed record ArgumentList(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keywords, Expr? DynamicPositional, Expr? DynamicKeywords)
{
    public static readonly ArgumentList Empty = new([], [], null, null);
}

/// <summary><c>f(args)</c>.</summary>
internal sealed record CallExpr(SourcePosition Position, Expr Callee, ArgumentList Arguments) : Expr(Position);

/// <summary><c>value | name(args)</c>; <see cref="Operand"/> is null in a filter block, which filters its body.</summary>
internal sealed record FilterExpr(SourcePosition Position, Expr? Operand, string Name, ArgumentList Arguments) : Expr(Position);

/// <summary><c>value is name(args)</c>.</summary>
internal sealed record TestExpr(SourcePosition Position, Expr Operand, string Name, ArgumentList Arguments) : Expr(Position);

/// <summary><c>not x</c>, <c>-x</c>, <c>+x</c>.</summary>
internal sealed record UnaryExpr(SourcePosition Position, string Operator, Expr Operand) : Expr(Position);

/// <summary>Arithmetic (<c>+ - * / // % **</c>) and <c>and</c>/<c>or</c>.</summary>
internal sealed record BinaryExpr(SourcePosition Position, string Operator, Expr Left, Expr Right) : Expr(Position);

/// <summary><c>a ~ b ~ c</c>: string concatenation of each part's str().</summary>
internal sealed record ConcatExpr(SourcePosition Position, IReadOnlyList<Expr> Parts) : Expr(Position);

/// <summary>A comparison chain <c>a &lt; b &lt;= c</c>, with <c>==</c>, <c>!=</c>, <c>in</c>, <c>notin</c>.</summary>
internal sealed record CompareExpr(SourcePosition Position, Expr First, IReadOnlyList<(string Operator, Expr Operand)> Rest) : Expr(Position);

/// <summary><c>then if test else otherwise</c>; without else, the result is undefined.</summary>
internal sealed record ConditionalExpr(SourcePosition Position, Expr Test, Expr Then, Expr? Otherwise) : Expr(Position);

/// <summary><c>ns.attr</c> as an assignment target.</summary>
internal sealed record NamespaceRefExpr(SourcePosition Position, string Name, string Attribute) : Expr(Position);
