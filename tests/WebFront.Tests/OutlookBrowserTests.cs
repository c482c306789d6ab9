using AirQuality.TestSupport;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace AirQuality.WebFront.Tests;

/// <summary>The bulletin and GRAP pages in a real headless Chromium show the values the API gives.</summary>
[Collection(ApiCollection.Name)]
public sealed class OutlookBrowserTests(EmbeddedAppWithRedis app)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [SkippableFact]
    public async Task The_bulletin_and_GRAP_pages_render_the_APIs_values()
    {
        TestEnvironment.Require(File.Exists(Chromium) && File.Exists(ChromeDriver), "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        var bulletin = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/bulletin", EmbeddedApp.Json);
        var delhi = bulletin.GetProperty("cities").EnumerateArray().Single(c => c.GetProperty("city_id").GetString() == "delhi");
        var grap = await app.Http.GetFromJsonAsync<JsonElement>("/api/v1/grap", EmbeddedApp.Json);

        using var driver = Open();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));

        driver.Navigate().GoToUrl(new Uri(app.BaseAddress, "/ui/bulletin.html"));
        wait.Until(d => d.FindElements(By.CssSelector("#bulletin tbody tr")).Count == 56);
        var row = driver.FindElement(By.CssSelector("#bulletin tbody tr[data-city='delhi']"));
        Assert.Equal(delhi.GetProperty("aqi").GetInt32().ToString(), row.FindElement(By.CssSelector("td.aqi")).Text);
        Assert.Contains(delhi.GetProperty("category").GetString()!, row.Text);
        Assert.Equal(delhi.GetProperty("health_advice").GetProperty("text").GetString(), row.FindElement(By.CssSelector("td.advice")).Text);
        Assert.Contains(bulletin.GetProperty("date").GetString()!, driver.FindElement(By.Id("bulletin-date")).Text);

        driver.Navigate().GoToUrl(new Uri(app.BaseAddress, "/ui/grap.html"));
        wait.Until(d => d.FindElements(By.CssSelector("#grap tbody tr")).Count == 5);
        var delhiGrap = grap.GetProperty("cities").EnumerateArray().Single(c => c.GetProperty("city_id").GetString() == "delhi");
        var grapRow = driver.FindElement(By.CssSelector("#grap tbody tr[data-city='delhi']"));
        Assert.Equal(delhiGrap.GetProperty("current_stage_name").GetString(), grapRow.FindElement(By.CssSelector("td.now")).Text);
        Assert.Equal(3, grapRow.FindElements(By.CssSelector("td.day")).Count);
        Assert.Contains("Stage IV: AQI 451+", driver.FindElement(By.Id("grap-stages")).Text);

        // The dashboard links to both pages.
        driver.Navigate().GoToUrl(app.BaseAddress);
        Assert.NotNull(wait.Until(d => d.FindElement(By.CssSelector("a[href='/ui/bulletin.html']"))));
        Assert.NotNull(driver.FindElement(By.CssSelector("a[href='/ui/grap.html']")));
    }

    private static ChromeDriver Open()
    {
        var profile = Directory.CreateTempSubdirectory("aq-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1800", $"--user-data-dir={profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver), Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
