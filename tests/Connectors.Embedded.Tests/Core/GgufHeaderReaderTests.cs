using System.Text;
using AgentHost.Connectors.Embedded.Tests.TestSupport;

namespace AgentHost.Connectors.Embedded.Tests.Core;

public sealed class GgufHeaderReaderTests
{
    [Fact]
    public void Reads_architecture_context_length_and_chat_template_of_the_tiny_model()
    {
        var info = GgufHeaderReader.Read(TinyModel.Path);

        Assert.Equal(3u, info.Version);
        Assert.Equal("llama", info.Architecture);
        Assert.Equal("tiny-random-llama", info.Name);
        Assert.Equal(256, info.ContextLength);
        Assert.Contains("<|im_start|>", info.ChatTemplate);
        Assert.Equal(TinyModel.SizeBytes, info.SizeBytes);
        Assert.Equal("tiny-llama.gguf", info.FileName);
        Assert.True(info.TensorCount > 0);
    }

    [Fact]
    public void A_text_file_is_not_a_gguf_and_the_message_says_what_it_starts_with()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "notes.gguf");
        File.WriteAllText(path, "hello, I am not a model");

        var error = Assert.Throws<InvalidDataException>(() => GgufHeaderReader.Read(path));

        Assert.Equal($"'{path}' is not a GGUF file (it starts with 'hell', not 'GGUF').", error.Message);
        Assert.False(GgufHeaderReader.HasMagic(path));
    }

    [Fact]
    public void A_truncated_header_is_reported_as_damaged_not_read_past_the_end()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "cut.gguf");
        File.WriteAllBytes(path, File.ReadAllBytes(TinyModel.Path)[..200]);

        var error = Assert.Throws<InvalidDataException>(() => GgufHeaderReader.Read(path));

        Assert.Contains("header ends early", error.Message);
        Assert.True(GgufHeaderReader.HasMagic(path));
    }

    [Fact]
    public void An_implausible_string_length_is_rejected_without_allocating_it()
    {
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(0UL); // tensors
            w.Write(1UL); // one key/value
            w.Write(ulong.MaxValue / 2); // key length far beyond the file
        }

        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bad.gguf");
        File.WriteAllBytes(path, bytes.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => GgufHeaderReader.Read(path));

        Assert.Contains("damaged GGUF header", error.Message);
    }

    [Fact]
    public void Reads_a_version_1_header_with_32_bit_lengths_and_skips_arrays()
    {
        using var bytes = new MemoryStream();
        using (var w = new BinaryWriter(bytes, Encoding.UTF8, leaveOpen: true))
        {
            void Str(string s)
            { var b = Encoding.UTF8.GetBytes(s); w.Write((uint)b.Length); w.Write(b); }
            w.Write("GGUF"u8);
            w.Write(1u);
            w.Write(0u); // tensors
            w.Write(3u); // key/values
            Str("tokenizer.ggml.tokens");
            w.Write(9u);
            w.Write(8u);
            w.Write(2u);
            Str("a");
            Str("bc");
            Str("general.architecture");
            w.Write(8u);
            Str("qwen2");
            Str("qwen2.context_length");
            w.Write(10u);
            w.Write(32768UL);
        }

        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "v1.gguf");
        File.WriteAllBytes(path, bytes.ToArray());

        var info = GgufHeaderReader.Read(path);

        Assert.Equal(1u, info.Version);
        Assert.Equal("qwen2", info.Architecture);
        Assert.Equal(32768, info.ContextLength);
        Assert.Null(info.ChatTemplate);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => GgufHeaderReader.Read("/nonexistent/model.gguf"));
    }

    [Theory]
    [InlineData(999, "999 B")]
    [InlineData(240_512, "240.5 KB")]
    [InlineData(469_000_000, "469 MB")]
    [InlineData(4_100_000_000, "4.1 GB")]
    public void Sizes_read_as_people_write_them(long bytes, string expected) => Assert.Equal(expected, GgufModelInfo.FormatSize(bytes));
}
