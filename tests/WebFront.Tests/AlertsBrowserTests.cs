using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AirQuality.Grains.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace AirQuality.WebFront.Tests;

/// <summary>The dashboard's alert switch in a real headless Chromium: an opted-in page shows a pushed alert.</summary>
[Collection(ApiCollection.Name)]
public sealed class AlertsBrowserTests(EmbeddedAppWithRedis app)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [SkippableFact]
    public async Task A_dashboard_that_opted_in_shows_an_alert_with_its_health_advice()
    {
        TestEnvironment.Require(File.Exists(Chromium) && File.Exists(ChromeDriver), "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/subscriptions")
        {
            Content = new StringContent("""{"cities": ["Patna"], "rules": [{"kind": "observed_category", "category": "Very Poor"}], "dashboard": true, "cooldown_minutes": 0}""",
                Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
        using var created = await app.Http.SendAsync(create);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subscription").GetProperty("id").GetString()!;
        try
        {
            using var driver = Open();
            var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30)) { PollingInterval = TimeSpan.FromMilliseconds(100) };
            wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
            driver.Navigate().GoToUrl(app.BaseAddress);
            var toggle = wait.Until(d => d.FindElement(By.Id("alerts-toggle")));
            Assert.False(toggle.Selected);
            toggle.Click();
            // In the hub's alerts group once the page says so.
            wait.Until(d => d.FindElement(By.CssSelector(".alerts[data-joined='yes']")));
            Assert.True(driver.FindElement(By.CssSelector(".alerts .none")).Displayed);

            // Values pushed through the subscription as a city change would bring them; the page is live and opted in.
            var grain = app.App.Services.GetRequiredService<IGrainFactory>().GetGrain<IAlertSubscriptionGrain>(GrainKeys.AlertSubscription(id));
            var now = DateTime.UtcNow;
            await grain.Evaluate(new CityAlertSnapshot("patna", "Patna", now, now, 250, null, now, false, null, null));
            await grain.Evaluate(new CityAlertSnapshot("patna", "Patna", now, now, 340, null, now, false, null, null));

            var item = wait.Until(d => d.FindElements(By.CssSelector(".alerts li.ev-crossed_up")).FirstOrDefault(e => e.Text.Contains("Patna")));
            Assert.Contains("Very Poor", item!.Text);
            Assert.False(string.IsNullOrWhiteSpace(item.FindElement(By.CssSelector(".advice")).Text));
            // The choice is remembered in this browser.
            driver.Navigate().Refresh();
            Assert.True(wait.Until(d => d.FindElement(By.Id("alerts-toggle"))).Selected);
        }
        finally
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/subscriptions/{id}");
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", EmbeddedApp.AdminToken);
            await app.Http.SendAsync(delete);
        }
    }

    private static ChromeDriver Open()
    {
        var profile = Directory.CreateTempSubdirectory("aq-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,1400", $"--user-data-dir={profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver), Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
