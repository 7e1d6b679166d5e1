using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace SharpTune.Data;

/// <summary>
/// The text a reader sees on an HTML page: script, style, noscript, template, head and hidden elements are dropped;
/// block elements (paragraphs, headings, list items, table rows, …) become paragraph breaks, <c>br</c> a line break;
/// runs of whitespace collapse to one space (line breaks inside <c>pre</c> are kept).
/// </summary>
public static class HtmlVisibleText
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object", "embed", "svg", "canvas", "button", "select", "input", "textarea",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul",
    };

    /// <summary>The visible text of <paramref name="html"/>, paragraphs separated by a blank line.</summary>
    public static string Extract(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var text = new TextCollector();
        Walk(document.Body ?? (INode?)document.DocumentElement, text, inPre: false);
        return text.Finish();
    }

    private static void Walk(INode? node, TextCollector text, bool inPre)
    {
        if (node is null) return;
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    text.Add(t.Data, inPre);
                    break;
                case IElement e when IsHidden(e):
                    break;
                case IElement e when e.LocalName == "br":
                    text.LineBreak();
                    break;
                case IElement e when e.LocalName is "td" or "th":
                    text.Add(" ", false);
                    Walk(e, text, inPre);
                    text.Add(" ", false);
                    break;
                case IElement e when Blocks.Contains(e.LocalName):
                    text.ParagraphBreak();
                    Walk(e, text, inPre || e.LocalName == "pre");
                    text.ParagraphBreak();
                    break;
                case IElement e:
                    Walk(e, text, inPre);
                    break;
            }
        }
    }

    private static bool IsHidden(IElement e)
    {
        if (Dropped.Contains(e.LocalName) || e.HasAttribute("hidden")) return true;
        if (string.Equals(e.GetAttribute("aria-hidden"), "true", StringComparison.OrdinalIgnoreCase)) return true;
        string? style = e.GetAttribute("style");
        if (style is null) return false;
        string compact = style.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return compact.Contains("display:none", StringComparison.Ordinal) || compact.Contains("visibility:hidden", StringComparison.Ordinal);
    }

    /// <summary>Builds paragraphs of collapsed text.</summary>
    private sealed class TextCollector
    {
        private readonly List<string> paragraphs = [];
        private readonly StringBuilder current = new();
        private bool pendingSpace;

        public void Add(string data, bool preserveLines)
        {
            foreach (char c in data)
            {
                if (c == '\n' && preserveLines) LineBreak();
                else if (char.IsWhiteSpace(c)) pendingSpace = current.Length > 0 && current[^1] != '\n';
                else
                {
                    if (pendingSpace) current.Append(' ');
                    pendingSpace = false;
                    current.Append(c);
                }
            }
        }

        public void LineBreak()
        {
            pendingSpace = false;
            if (current.Length > 0) current.Append('\n');
        }

        public void ParagraphBreak()
        {
            pendingSpace = false;
            string paragraph = current.ToString().Trim();
            if (paragraph.Length > 0) paragraphs.Add(paragraph);
            current.Clear();
        }

        public string Finish()
        {
            ParagraphBreak();
            return string.Join("\n\n", paragraphs);
        }
    }
}
