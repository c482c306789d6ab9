namespace AirQuality.WebFront.Apis.Outlook;

/// <summary>The endpoints that look ahead and act: bulletin, GRAP, subscriptions and alerts.</summary>
public static class OutlookApis
{
    public static RouteGroupBuilder MapOutlookApis(this RouteGroupBuilder api)
    {
        api.MapBulletinApi();
        api.MapGrapApi();
        api.MapSubscriptionsApi();
        return api;
    }
}
