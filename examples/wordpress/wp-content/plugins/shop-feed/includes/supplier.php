<?php
/**
 * Stock synchronisation with the supplier's API.
 */

defined( 'ABSPATH' ) || exit;

/**
 * Nightly cron job (scheduled on activation): pull the supplier catalogue.
 */
function shop_feed_sync_stock() {
	$response = wp_remote_get(
		'https://supplier.example.com/api/stock',
		array(
			'timeout' => 15,
			'headers' => array( 'Accept' => 'application/json' ),
		)
	);
	$catalogue = json_decode( wp_remote_retrieve_body( $response ), true );
	update_option( 'shop_feed_catalogue', $catalogue );

	$xml = file_get_contents( 'https://supplier.example.com/export/prices.xml' );
	shop_feed_cache_stock( shop_feed_parse_prices( $xml ) );
}

/**
 * Currency rates, fetched when a product page asks for them.
 */
function shop_feed_fetch_rates() {
	$response = wp_remote_get( 'https://rates.example.com/latest?base=EUR' );
	return json_decode( wp_remote_retrieve_body( $response ), true );
}

/**
 * Image check through curl, no timeout.
 */
function shop_feed_image_exists( $image_url ) {
	$ch = curl_init( $image_url );
	curl_setopt( $ch, CURLOPT_NOBODY, true );
	curl_exec( $ch );
	$status = curl_getinfo( $ch, CURLINFO_HTTP_CODE );
	curl_close( $ch );
	return 200 === $status;
}
