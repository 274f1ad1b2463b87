using AgentHost.Plugins;

namespace AgentHost.Tests.Plugins;

/// <summary>The <c>math</c> plugin: exact decimal arithmetic, and an error that says what is wrong with a bad expression.</summary>
public sealed class MathPluginTests
{
    private readonly MathPlugin _math = new();

    [Theory]
    [InlineData("1 + 2 * 3", "7")]
    [InlineData("(1 + 2) * 3", "9")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("17 % 5", "2")]
    [InlineData("-7.5 % 2", "-1.5")]
    [InlineData("2 ^ 10", "1024")]
    [InlineData("2 ^ 3 ^ 2", "512")]
    [InlineData("-2 ^ 2", "-4")]
    [InlineData("(-2) ^ 2", "4")]
    [InlineData("2 ^ -2", "0.25")]
    [InlineData("4 ^ 0.5", "2")]
    [InlineData("- -3 + +1", "4")]
    [InlineData("  ((((42))))  ", "42")]
    [InlineData("2340 * 17 / 100", "397.8")]
    [InlineData("1 / 3 * 3", "1")]
    public void Evaluates_with_the_usual_precedence(string expression, string expected) =>
        Assert.Equal(expected, _math.Evaluate(expression));

    [Theory]
    [InlineData("1 / 0", "Division by zero")]
    [InlineData("5 % (2 - 2)", "Division by zero")]
    [InlineData("0 ^ -1", "Division by zero")]
    [InlineData("", "The expression is empty")]
    [InlineData("1 +", "ends where a number or '(' was expected")]
    [InlineData("(1 + 2", "missing ')'")]
    [InlineData("1 + 2)", "unmatched ')'")]
    [InlineData("2 * x", "unexpected 'x'")]
    [InlineData("1..2", "'1..2' at position 1 is not a number")]
    [InlineData("System.IO.File.Delete(\"x\")", "unexpected 'S'")]
    [InlineData("3 4", "unexpected '4' at position 3")]
    [InlineData("(-8) ^ 0.5", "is not a real number")]
    [InlineData("79228162514264337593543950335 * 10", "too large")]
    [InlineData("10 ^ 400.5", "too large")]
    public void A_bad_expression_is_refused_with_a_reason(string expression, string reason)
    {
        var e = Assert.Throws<ArithmeticExpressionException>(() => _math.Evaluate(expression));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Deep_nesting_and_very_long_input_are_refused_rather_than_overflowing_the_stack()
    {
        Assert.Contains("nested too deeply", Assert.Throws<ArithmeticExpressionException>(() => _math.Evaluate(new string('(', 200) + "1" + new string(')', 200))).Message);
        Assert.Contains("longer than", Assert.Throws<ArithmeticExpressionException>(() => _math.Evaluate(string.Join("+", Enumerable.Repeat("1", 600)))).Message);
    }
}
