using AirQuality.Domain.Aqi;
using AirQuality.Domain.Health;
using AirQuality.Domain.Outlook;

namespace AirQuality.Domain.Tests.Outlook;

public sealed class HealthAdviceTests
{
    [Theory]
    [InlineData(AqiStandard.India, "en")]
    [InlineData(AqiStandard.India, "hi")]
    [InlineData(AqiStandard.UnitedStates, "en")]
    [InlineData(AqiStandard.UnitedStates, "hi")]
    public void Every_category_of_both_standards_has_a_statement_with_its_source(AqiStandard standard, string language)
    {
        foreach (var c in CategoryRanges.Of(standard))
        {
            var advice = HealthAdviceBook.For(standard, c.Category, language);
            Assert.NotNull(advice);
            Assert.Equal(language, advice.Language);
            Assert.False(string.IsNullOrWhiteSpace(advice.Text));
            Assert.False(string.IsNullOrWhiteSpace(advice.Source));
        }
    }

    [Fact]
    public void CPCBs_statement_for_Severe_is_its_published_text_and_Hindi_is_in_Devanagari()
    {
        Assert.Equal("Affects healthy people and seriously impacts those with existing diseases", HealthAdviceBook.For(AqiStandard.India, "Severe")!.Text);
        Assert.Contains(HealthAdviceBook.For(AqiStandard.India, "Severe", "hi")!.Text, ch => ch is >= '\u0900' and <= '\u097F');
    }

    [Theory]
    [InlineData("hi", true, "hi")]
    [InlineData("HI-in", true, "hi")]
    [InlineData(null, true, "en")]
    [InlineData("fr", false, "en")]
    public void Languages_are_read_from_the_table(string? text, bool ok, string language)
    {
        Assert.Equal(ok, HealthAdviceBook.TryLanguage(text, out var l));
        Assert.Equal(language, l);
    }
}
