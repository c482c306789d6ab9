using AirQuality.Grains.Ingestion;

namespace AirQuality.Grains.Tests.Ingestion;

/// <summary>The one reading of an upstream's error body that every source uses.</summary>
public sealed class UpstreamErrorMessageTests
{
    [Theory]
    [InlineData("""{"cod":401,"message":"Invalid API key"}""", new[] { "message" }, "Invalid API key")]
    [InlineData("""{"status":"error","error":"Key not authorised"}""", new[] { "message", "error" }, "Key not authorised")]
    [InlineData("""{"message":"first","error":"second"}""", new[] { "message", "error" }, "first")]
    [InlineData("""{"status":"fail","data":{"message":"call_limit_reached"}}""", new[] { "data.message" }, "call_limit_reached")]
    [InlineData("""{"status":"fail","data":"call_limit_reached"}""", new[] { "data.message" }, null)]
    [InlineData("""{"cod":500}""", new[] { "message" }, null)]
    [InlineData("""["message"]""", new[] { "message" }, null)]
    [InlineData("Bad Gateway", new[] { "message" }, "Bad Gateway")]
    public void The_message_is_the_first_path_found_or_the_text_of_a_body_that_is_not_json(string body, string[] paths, string? expected) =>
        Assert.Equal(expected, UpstreamHttp.ErrorMessage(body, paths));

    [Fact]
    public void A_long_body_that_is_not_json_is_cut_to_200_characters()
    {
        var html = "<html>" + new string('x', 500);

        Assert.Equal(html[..200], UpstreamHttp.ErrorMessage(html, "message"));
    }
}
