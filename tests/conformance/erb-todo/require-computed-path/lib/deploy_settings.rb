# Settings a deploy.yml reads through a required file.
module DeploySettings
  def self.web_host
    "192.0.2.6"
  end

  def self.app_host
    ENV.fetch("HARBOR_HOST", "harbor.example.test")
  end
end
