using System.Globalization;

namespace AgentHost.Plugins;

/// <summary>A bad arithmetic expression, or one whose value cannot be computed (division by zero, overflow).</summary>
internal sealed class ArithmeticExpressionException(string message) : ArgumentException(message);

/// <summary>
/// Evaluates arithmetic over decimals: <c>+ - * / % ^</c>, unary minus and plus, parentheses. A parser, not a compiler:
/// nothing in the expression is ever executed as code. <c>^</c> binds tightest and to the right, so <c>-2^2</c> is -4
/// and <c>2^3^2</c> is 512.
/// </summary>
internal sealed class ArithmeticEvaluator
{
    /// <summary>The longest expression accepted.</summary>
    public const int MaxLength = 1000;

    private const int MaxDepth = 100;
    private readonly string _text;
    private int _pos;
    private int _depth;

    private ArithmeticEvaluator(string text) => _text = text;

    /// <summary>The value of <paramref name="expression"/>, or an <see cref="ArithmeticExpressionException"/> saying what is wrong and where.</summary>
    public static decimal Evaluate(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new ArithmeticExpressionException("The expression is empty.");
        }

        if (expression.Length > MaxLength)
        {
            throw new ArithmeticExpressionException($"The expression is longer than {MaxLength} characters.");
        }

        var evaluator = new ArithmeticEvaluator(expression);
        var value = evaluator.ParseSum();
        evaluator.SkipSpaces();
        if (evaluator._pos < expression.Length)
        {
            throw evaluator.Error(expression[evaluator._pos] == ')' ? "unmatched ')'" : $"unexpected '{expression[evaluator._pos]}'");
        }

        return value;
    }

    /// <summary>The decimal places a result is rounded to, so <c>1 / 3 * 3</c> reads 1.</summary>
    public const int ResultDecimals = 20;

    /// <summary>Formats a value the way a person writes it: rounded to <see cref="ResultDecimals"/> places, invariant culture, no trailing zeros.</summary>
    public static string Format(decimal value) =>
        Math.Round(value, ResultDecimals, MidpointRounding.AwayFromZero).ToString("0.####################", CultureInfo.InvariantCulture);

    private decimal ParseSum()
    {
        var value = ParseProduct();
        while (TryTake('+', '-') is { } op)
        {
            var right = ParseProduct();
            value = Checked(() => op == '+' ? value + right : value - right);
        }

        return value;
    }

    private decimal ParseProduct()
    {
        var value = ParseUnary();
        while (TryTake('*', '/', '%') is { } op)
        {
            var at = _pos;
            var right = ParseUnary();
            if (op != '*' && right == 0)
            {
                throw new ArithmeticExpressionException(
                    $"Division by zero at position {at + 1} ('{(op == '/' ? "/" : "%")} 0') in '{_text.Trim()}'.");
            }

            value = Checked(() => op switch { '*' => value * right, '/' => value / right, _ => value % right });
        }

        return value;
    }

    private decimal ParseUnary()
    {
        if (TryTake('-', '+') is { } sign)
        {
            Enter();
            var operand = ParseUnary();
            _depth--;
            return sign == '-' ? -operand : operand;
        }

        return ParsePower();
    }

    private decimal ParsePower()
    {
        var value = ParseAtom();
        if (TryTake('^') is null)
        {
            return value;
        }

        Enter();
        var exponent = ParseUnary(); // right-associative; allows 2^-1
        _depth--;
        return Power(value, exponent);
    }

    private decimal ParseAtom()
    {
        SkipSpaces();
        if (_pos >= _text.Length)
        {
            throw Error("the expression ends where a number or '(' was expected");
        }

        if (_text[_pos] == '(')
        {
            _pos++;
            Enter();
            var value = ParseSum();
            _depth--;
            if (TryTake(')') is null)
            {
                throw Error("missing ')'");
            }

            return value;
        }

        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.'))
        {
            _pos++;
        }

        if (start == _pos)
        {
            throw Error($"unexpected '{_text[_pos]}' where a number or '(' was expected");
        }

        var token = _text[start.._pos];
        if (!decimal.TryParse(token, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || token == ".")
        {
            throw new ArithmeticExpressionException($"'{token}' at position {start + 1} is not a number.");
        }

        return number;
    }

    private decimal Power(decimal b, decimal exponent)
    {
        if (exponent == decimal.Truncate(exponent) && Math.Abs(exponent) <= 1000)
        {
            if (b == 0 && exponent < 0)
            {
                throw new ArithmeticExpressionException($"Division by zero: 0 raised to a negative power in '{_text.Trim()}'.");
            }

            var result = 1m;
            for (var i = 0; i < Math.Abs(exponent); i++)
            {
                result = Checked(() => result * b);
            }

            return exponent < 0 ? 1 / result : result;
        }

        var d = Math.Pow((double)b, (double)exponent);
        if (double.IsNaN(d))
        {
            throw new ArithmeticExpressionException($"{Format(b)}^{Format(exponent)} is not a real number.");
        }

        return double.IsInfinity(d) || Math.Abs(d) > (double)decimal.MaxValue
            ? throw new ArithmeticExpressionException($"The result of '{_text.Trim()}' is too large.")
            : (decimal)d;
    }

    private decimal Checked(Func<decimal> operation)
    {
        try
        {
            return operation();
        }
        catch (OverflowException)
        {
            throw new ArithmeticExpressionException($"The result of '{_text.Trim()}' is too large.");
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Error("nested too deeply");
        }
    }

    private char? TryTake(params char[] options)
    {
        SkipSpaces();
        if (_pos < _text.Length && Array.IndexOf(options, _text[_pos]) >= 0)
        {
            return _text[_pos++];
        }

        return null;
    }

    private void SkipSpaces()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private ArithmeticExpressionException Error(string what) =>
        new($"Bad expression '{_text.Trim()}': {what} at position {Math.Min(_pos, _text.Length) + 1}. Use numbers, + - * / % ^ and parentheses.");
}
