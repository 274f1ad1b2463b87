using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace AgentHost.Plugins;

/// <summary>The <c>math</c> plugin: exact decimal arithmetic, so a model need not do sums in its head.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "SK plugin functions are the instance methods of the plugin object the kernel imports.")]
internal sealed class MathPlugin
{
    /// <summary>The plugin's name as agents list it.</summary>
    public const string PluginName = "math";

    /// <summary>Evaluates an arithmetic expression.</summary>
    [KernelFunction("evaluate")]
    [Description("Evaluates an arithmetic expression exactly, over decimals: + - * / % (remainder), ^ (power), parentheses and unary minus, e.g. '(2.5 + 3) * 4 ^ 2 / 7'. Returns the value, rounded to 20 decimal places.")]
    public string Evaluate([Description("The expression, e.g. '17 % 5 + 2 ^ 10'.")] string expression) =>
        ArithmeticEvaluator.Format(ArithmeticEvaluator.Evaluate(expression));
}
