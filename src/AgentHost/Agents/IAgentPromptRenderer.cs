using Microsoft.SemanticKernel;

namespace AgentHost.Agents;

/// <summary>
/// Renders a prompt template (by name) to text, without calling a model: how an agent whose file says
/// <c>prompt: &lt;name&gt;</c> gets its instructions. Implemented over the prompt library.
/// </summary>
internal interface IAgentPromptRenderer
{
    /// <summary>The rendered text of the prompt <paramref name="promptName"/>, or a <see cref="KeyNotFoundException"/> naming the prompts that exist.</summary>
    Task<string> RenderAsync(string promptName, KernelArguments arguments, Kernel kernel, CancellationToken cancellationToken);
}
