using System.Text;

namespace AgentHost.Connectors.Embedded;

/// <summary>
/// Reads the metadata header of a GGUF file (magic <c>GGUF</c>, version, tensor count, key/value pairs) without
/// touching the tensor data, so a health probe or a start-up check costs a few reads, never a model load.
/// Unwanted values (e.g. the tokenizer's vocabulary arrays) are skipped by seeking. Every length is checked against
/// the file size, so a damaged file is reported as such instead of allocating or looping without end.
/// </summary>
public static class GgufHeaderReader
{
    /// <summary>The first four bytes of every GGUF file.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    private const int MaxStringBytes = 16 * 1024 * 1024;

    private enum ValueType : uint
    {
        UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
        String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
    }

    /// <summary>Whether the file starts with the GGUF magic. Throws only for I/O failures other than a missing file.</summary>
    public static bool HasMagic(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            return false;
        }

        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && head.SequenceEqual(Magic);
    }

    /// <summary>
    /// Reads the header of the GGUF file at <paramref name="path"/>.
    /// Throws <see cref="FileNotFoundException"/> when it does not exist and <see cref="InvalidDataException"/>
    /// (with a readable reason) when it is not a GGUF file or its header is damaged.
    /// </summary>
    public static GgufModelInfo Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"'{full}' does not exist.", full);
        }

        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            return ReadHeader(full, stream, reader);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{full}' is a GGUF file whose header ends early (truncated or damaged).");
        }
    }

    private static GgufModelInfo ReadHeader(string path, FileStream stream, BinaryReader reader)
    {
        var size = stream.Length;
        var magic = reader.ReadBytes(4);
        if (!magic.AsSpan().SequenceEqual(Magic))
        {
            var seen = magic.Length == 0 ? "an empty file" : $"it starts with {Describe(magic)}";
            throw new InvalidDataException($"'{path}' is not a GGUF file ({seen}, not 'GGUF').");
        }

        var version = reader.ReadUInt32();
        if (version is 0 or > 3)
        {
            var hint = version > 0xFFFF ? " (a big-endian GGUF, which is not supported)" : string.Empty;
            throw new InvalidDataException($"'{path}' has GGUF version {version}{hint}; versions 1 to 3 are supported.");
        }

        var wide = version >= 2; // version 1 used 32-bit counts and lengths
        var tensorCount = ReadCount(reader, wide);
        var kvCount = ReadCount(reader, wide);
        if (tensorCount < 0 || kvCount < 0 || kvCount > (size - stream.Position) / 8)
        {
            throw new InvalidDataException($"'{path}' is a GGUF file whose header ends early or is damaged ({kvCount} metadata entries cannot fit in {size} bytes).");
        }

        string? architecture = null, name = null, template = null;
        var contextLengths = new Dictionary<string, long>(StringComparer.Ordinal);
        for (long i = 0; i < kvCount; i++)
        {
            var key = ReadString(reader, stream, wide, path);
            var type = (ValueType)reader.ReadUInt32();
            switch (key)
            {
                case "general.architecture" when type == ValueType.String:
                    architecture = ReadString(reader, stream, wide, path);
                    break;
                case "general.name" when type == ValueType.String:
                    name = ReadString(reader, stream, wide, path);
                    break;
                case "tokenizer.chat_template" when type == ValueType.String:
                    template = ReadString(reader, stream, wide, path);
                    break;
                default:
                    if (key.EndsWith(".context_length", StringComparison.Ordinal) && ReadInteger(reader, type) is { } length)
                    {
                        contextLengths[key] = length;
                    }
                    else if (!key.EndsWith(".context_length", StringComparison.Ordinal))
                    {
                        Skip(reader, stream, type, wide, path);
                    }

                    break;
            }
        }

        int? context = architecture is not null && contextLengths.TryGetValue(architecture + ".context_length", out var c) && c is > 0 and <= int.MaxValue
            ? (int)c
            : null;
        return new GgufModelInfo(path, size, version, architecture, name, context, template, tensorCount);
    }

    private static long ReadCount(BinaryReader reader, bool wide)
    {
        var value = wide ? reader.ReadUInt64() : reader.ReadUInt32();
        return value > long.MaxValue ? -1 : (long)value;
    }

    private static string ReadString(BinaryReader reader, FileStream stream, bool wide, string path)
    {
        var length = ReadCount(reader, wide);
        if (length < 0 || length > MaxStringBytes || length > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"'{path}' has a damaged GGUF header (a string of {length} bytes at offset {stream.Position}).");
        }

        return Encoding.UTF8.GetString(reader.ReadBytes((int)length));
    }

    /// <summary>Reads an integer-typed value; consumes the value either way, returning null for a non-integer type.</summary>
    private static long? ReadInteger(BinaryReader reader, ValueType type) => type switch
    {
        ValueType.UInt8 => reader.ReadByte(),
        ValueType.Int8 => reader.ReadSByte(),
        ValueType.UInt16 => reader.ReadUInt16(),
        ValueType.Int16 => reader.ReadInt16(),
        ValueType.UInt32 => reader.ReadUInt32(),
        ValueType.Int32 => reader.ReadInt32(),
        ValueType.UInt64 => (long)Math.Min(reader.ReadUInt64(), long.MaxValue),
        ValueType.Int64 => reader.ReadInt64(),
        ValueType.Float32 => (long)reader.ReadSingle(),
        ValueType.Float64 => (long)reader.ReadDouble(),
        ValueType.Bool => reader.ReadByte(),
        _ => throw new InvalidDataException($"context_length has GGUF type {type}, not a number."),
    };

    private static void Skip(BinaryReader reader, FileStream stream, ValueType type, bool wide, string path)
    {
        if (FixedSize(type) is { } fixedSize)
        {
            Seek(stream, fixedSize, path);
            return;
        }

        if (type == ValueType.String)
        {
            var length = ReadCount(reader, wide);
            Seek(stream, length, path);
            return;
        }

        if (type != ValueType.Array)
        {
            throw new InvalidDataException($"'{path}' has a damaged GGUF header (unknown value type {(uint)type} at offset {stream.Position - 4}).");
        }

        var elementType = (ValueType)reader.ReadUInt32();
        var count = ReadCount(reader, wide);
        if (count < 0 || count > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"'{path}' has a damaged GGUF header (an array of {count} items at offset {stream.Position}).");
        }

        if (FixedSize(elementType) is { } elementSize)
        {
            Seek(stream, count * elementSize, path);
            return;
        }

        for (long i = 0; i < count; i++)
        {
            Skip(reader, stream, elementType, wide, path);
        }
    }

    private static long? FixedSize(ValueType type) => type switch
    {
        ValueType.UInt8 or ValueType.Int8 or ValueType.Bool => 1,
        ValueType.UInt16 or ValueType.Int16 => 2,
        ValueType.UInt32 or ValueType.Int32 or ValueType.Float32 => 4,
        ValueType.UInt64 or ValueType.Int64 or ValueType.Float64 => 8,
        _ => null,
    };

    private static void Seek(FileStream stream, long bytes, string path)
    {
        if (bytes < 0 || bytes > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"'{path}' is a GGUF file whose header ends early (truncated or damaged).");
        }

        stream.Seek(bytes, SeekOrigin.Current);
    }

    private static string Describe(byte[] bytes)
    {
        var printable = bytes.All(b => b is >= 0x20 and < 0x7F);
        return printable ? $"'{Encoding.ASCII.GetString(bytes)}'" : "0x" + Convert.ToHexString(bytes);
    }
}
