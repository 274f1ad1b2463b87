namespace AgentHost.Backends.Tests;

/// <summary>The server's own words, from every error-body shape the three backends send.</summary>
public sealed class BackendErrorTextTests
{
    [Theory]
    // FastAPI HTTPException (MLX, Victoria).
    [InlineData("{\"detail\":\"Ollama API error: model 'qwen2.5-coder:32b' not found\"}", "Ollama API error: model 'qwen2.5-coder:32b' not found")]
    [InlineData("{\"detail\":\"Internal Server Error\"}", "Internal Server Error")]
    // Ollama and the MLX middleware.
    [InlineData("{\"error\":\"llama runner process has terminated: exit status 2\"}", "llama runner process has terminated: exit status 2")]
    [InlineData("{\"error\":\"Server overloaded. Waited 300s for slot. Max 5 concurrent requests\"}", "Server overloaded. Waited 300s for slot. Max 5 concurrent requests")]
    // OpenAI-compatible routes.
    [InlineData("{\"error\":{\"message\":\"server busy\",\"type\":\"api_error\"}}", "server busy")]
    // A bare message.
    [InlineData("{\"message\":\"Задача не найдена\"}", "Задача не найдена")]
    // Not JSON, or JSON of another shape: the body itself, trimmed.
    [InlineData("upstream connect error", "upstream connect error")]
    [InlineData("  Internal Server Error\n", "Internal Server Error")]
    [InlineData("{\"status\":\"down\"}", "{\"status\":\"down\"}")]
    [InlineData("\"just a string\"", "\"just a string\"")]
    public void Reads_every_known_shape(string body, string expected) =>
        Assert.Equal(expected, BackendErrorText.FromBody(body));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n ")]
    [InlineData("{\"detail\":\"  \"}")]
    public void Nothing_to_say_is_null(string? body) => Assert.Null(BackendErrorText.FromBody(body));

    [Fact]
    public void Pydantic1_validation_list_is_summarised_field_by_field() => Assert.Equal(
        "body.prompt: field required; body.max_tokens: none is not an allowed value",
        BackendErrorText.FromBody("""{"detail":[{"loc":["body","prompt"],"msg":"field required","type":"value_error.missing"},{"loc":["body","max_tokens"],"msg":"none is not an allowed value","type":"type_error.none.not_allowed"}]}"""));

    [Fact]
    public void Pydantic2_validation_list_is_summarised_field_by_field() => Assert.Equal(
        "body.prompt: Field required; body.max_tokens: Input should be a valid integer, unable to parse string as an integer",
        BackendErrorText.FromBody("""{"detail":[{"type":"missing","loc":["body","prompt"],"msg":"Field required","input":{"model":"fast"}},{"type":"int_parsing","loc":["body","max_tokens"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"many"}]}"""));

    [Fact]
    public void Validation_item_keeps_numeric_locations_and_items_without_msg() => Assert.Equal(
        "body.messages.0.content: Field required; {\"type\":\"odd\"}; plain",
        BackendErrorText.FromBody("""{"detail":[{"loc":["body","messages",0,"content"],"msg":"Field required"},{"type":"odd"},"plain"]}"""));

    [Fact]
    public void Detail_wins_over_error_and_message() =>
        Assert.Equal("from detail", BackendErrorText.FromBody("""{"message":"from message","error":"from error","detail":"from detail"}"""));

    [Fact]
    public void Error_wins_over_message() =>
        Assert.Equal("from error", BackendErrorText.FromBody("""{"message":"from message","error":"from error"}"""));

    [Fact]
    public void Null_fields_are_skipped() =>
        Assert.Equal("from error", BackendErrorText.FromBody("""{"detail":null,"error":"from error"}"""));

    [Fact]
    public void Structured_detail_or_error_is_kept_as_json() =>
        Assert.Equal("""{"code":42}""", BackendErrorText.FromBody("""{"error":{"code":42}}"""));

    [Fact]
    public void Field_text_is_trimmed() =>
        Assert.Equal("busy", BackendErrorText.FromBody("""{"error":"  busy\n"}"""));

    [Fact]
    public void Long_text_is_cut_with_an_ellipsis()
    {
        var plain = new string('x', BackendErrorText.MaxLength + 1);

        Assert.Equal(new string('x', BackendErrorText.MaxLength) + "…", BackendErrorText.FromBody(plain));
        Assert.Equal(new string('x', BackendErrorText.MaxLength) + "…", BackendErrorText.FromBody($$"""{"detail":"{{plain}}"}"""));
        Assert.Equal(new string('x', BackendErrorText.MaxLength), BackendErrorText.FromBody(plain[1..]));
    }
}
